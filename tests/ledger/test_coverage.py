"""The province's and cities' ledger pages: coverage per base, the 90-day reminders by city,
the live interconnection figure, the monthly charts; in a constant number of queries."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bases.ledger import selectors, services
from bases.ledger.models import ServiceActivity
from bases.models import Base, Role
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase


class CoverageTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.platform = cls.make_user("platform-b", Role.PLATFORM, base=cls.base_b)
        today = timezone.localdate()
        cls.recent = ServiceActivity.objects.create(
            base=cls.base_b, date=today, category="info", title="平台推送",
            enterprises_served=3, created_by=cls.platform, updated_by=cls.platform)

    def test_selector_counts_per_base_and_city(self):
        year = timezone.localdate().year
        cities = {c.city.name: c for c in selectors.ledger_coverage(Base.objects.all(), year=year)}
        changsha, zhuzhou = cities["长沙市"], cities["株洲市"]
        a, b = changsha.bases[0], zhuzhou.bases[0]
        self.assertEqual((a.activities, a.institutions), (0, 1))
        self.assertEqual((b.activities, b.last_entry, b.stale), (1, timezone.localdate(), False))
        self.assertEqual((changsha.pushed, zhuzhou.pushed), (0, 1))

    def test_base_without_an_entry_for_90_days_is_reminded(self):
        old = timezone.now() - dt.timedelta(days=91)
        ServiceActivity.objects.filter(base=self.base_a).update(created_at=old)
        year = timezone.localdate().year
        cities = {c.city.name: c for c in selectors.ledger_coverage(Base.objects.all(), year=year)}
        self.assertEqual([row.base for row in cities["长沙市"].stale], [self.base_a])
        self.assertEqual(cities["株洲市"].stale, [])
        sign_in(self.client, self.pat)
        response = self.client.get("/ledger/")
        self.assertContains(response, "台帐更新提醒")
        self.assertContains(response, f'<a href="/bases/A001/ledger/">{self.base_a.name}</a>')

    def test_interconnection_is_shown_by_city_with_the_half_mark(self):
        sign_in(self.client, self.pat)
        response = self.client.get("/ledger/")
        self.assertContains(response, "<strong>1</strong> / 2 个")
        rows = {c.city.name: c for c in response.context["cities"]}
        self.assertEqual((rows["株洲市"].pushed, rows["长沙市"].pushed), (1, 0))
        self.assertContains(response, "不足1/2", count=1)

    def test_city_viewer_sees_only_its_bases(self):
        sign_in(self.client, self.carol)
        response = self.client.get("/ledger/")
        self.assertEqual([c.city.name for c in response.context["cities"]], ["长沙市"])
        self.assertContains(response, self.base_a.name)
        self.assertNotContains(response, self.base_b.name)

    def test_coverage_page_queries_do_not_grow_with_bases(self):
        sign_in(self.client, self.pat)

        def queries() -> int:
            with CaptureQueriesContext(connection) as context:
                self.assertEqual(self.client.get("/ledger/?city=" + str(self.changsha.pk))
                                 .status_code, 200)
            return len(context)

        queries()  # the first request of a session also saves the session
        before = queries()
        for n in range(5):
            base = Base.objects.create(code=f"C{n:03d}", name=f"新基地{n}", city=self.changsha,
                                       batch=3)
            ServiceActivity.objects.create(base=base, date=dt.date(2018, 1, 2),
                                           category="info", title="x")
        self.assertEqual(queries(), before)


class ChartTests(LedgerTestCase):
    def test_months_and_categories_are_counted_in_one_query(self):
        services.create_activity(base=self.base_a, actor=self.alice, data=services.ActivityInput(
            date=dt.date(2018, 5, 20), category="info", title="宣讲", enterprises_served=1))
        with self.assertNumQueries(1):
            chart = selectors.monthly_chart(ServiceActivity.objects.all(), 2018)
        may = chart.months[4]
        self.assertEqual((may.total, [bar.category for bar in may.bars]), (2, ["info", "training"]))
        self.assertEqual(may.bars[0].height + may.bars[1].height, selectors.CHART_HEIGHT)
        self.assertEqual(chart.total, 2)

    def test_chart_pages_render_an_inline_svg_for_each_scope(self):
        for user, url in ((self.pat, "/ledger/chart/?year=2018"),
                          (self.pat, f"/ledger/chart/?year=2018&city={self.changsha.pk}"),
                          (self.carol, "/ledger/chart/?year=2018"),
                          (self.alice, "/bases/A001/ledger/chart/?year=2018")):
            sign_in(self.client, user)
            response = self.client.get(url)
            self.assertContains(response, "<svg viewBox=")
            self.assertContains(response, "<title>5月 人员培训：1场</title>")
            self.assertNotContains(response, "http://")
            # Drawn on the server: no script but the portal's own static files.
            self.assertEqual(re.findall(r'<script(?![^>]*\bsrc="/static/)',
                                        response.content.decode()), [])

    def test_an_empty_year_points_to_the_latest_year_with_activities(self):
        this_year = timezone.localdate().year
        sign_in(self.client, self.alice)  # A001's activities are all of 2018
        response = self.client.get("/bases/A001/ledger/chart/")
        self.assertContains(response, f"{this_year}年尚无服务活动记录")
        self.assertContains(response, '<a href="?year=2018">2018年</a>')
        self.assertNotContains(self.client.get("/bases/A001/ledger/chart/?year=2018"),
                               "data-latest-year")
        # The province's city filter stays in the link; a year with activities needs none.
        sign_in(self.client, self.pat)
        response = self.client.get(f"/ledger/chart/?year=2017&city={self.changsha.pk}")
        self.assertContains(response, f'<a href="?year=2018&amp;city={self.changsha.pk}">')
        self.assertNotContains(self.client.get("/ledger/chart/?year=2018"), "data-latest-year")
        # A base that never kept a ledger gets an empty chart and no pointer.
        ServiceActivity.objects.filter(base=self.base_a).delete()
        self.assertNotContains(self.client.get("/bases/A001/ledger/chart/"), "data-latest-year")

    def test_nav_links_for_province_and_city(self):
        for user in (self.pat, self.carol):
            sign_in(self.client, user)
            self.assertContains(self.client.get("/ledger/"), 'href="/ledger/">服务台帐</a>')
