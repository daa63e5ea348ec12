"""List pages and statistics cost the same number of queries for 10 rows as for 100."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.models import AuditEvent, Base
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annexes import compute_annexes, compute_rankings
from tests.base import BaseTestCase


class ListPageQueryCountTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    def add_bases(self, count: int, start: int) -> None:
        bases = Base.objects.bulk_create(
            Base(code=f"Q{start + i:04d}", name=f"基地{start + i}", city=self.changsha, batch=1)
            for i in range(count))
        reports = Report.objects.bulk_create(
            Report(base=base, year=2018, status=Status.SUBMITTED) for base in bases)
        ReportValue.objects.bulk_create(
            ReportValue(report=report, code="building_area", value=100) for report in reports)
        AuditEvent.objects.bulk_create(AuditEvent(event="login", actor_username=f"u{start + i}")
                                       for i in range(count))

    def queries_for(self, url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return len(context.captured_queries)

    def assert_flat(self, user, url: str) -> None:
        self.login(user)
        self.client.get(url)  # the session's first write after login is not the page's cost
        self.add_bases(10, 0)
        small = self.queries_for(url)
        self.add_bases(90, 10)
        large = self.queries_for(url)
        self.assertEqual(small, large, f"{url}: {small} queries for 10 rows, {large} for 100")

    def test_review_queue(self):
        self.assert_flat(self.pat, "/reports/?year=2018")

    def test_base_list(self):
        self.assert_flat(self.pat, "/bases/")

    def test_completeness_page(self):
        self.assert_flat(self.pat, "/rounds/2018/")

    def test_audit_log(self):
        self.assert_flat(self.audrey, "/audit/")

    def test_admin_base_change_list(self):
        self.assert_flat(self.pat, "/admin/bases/base/")


def test_annexes_and_rankings_cost_the_same_queries_for_3_and_300_bases(
        db, django_assert_max_num_queries):
    from bases.models import City

    city = City.objects.get(name="长沙市")

    def add(count: int, start: int) -> None:
        bases = Base.objects.bulk_create(
            Base(code=f"S{start + i:04d}", name=f"基地{start + i}", city=city, batch=1)
            for i in range(count))
        for year in (2016, 2017):
            reports = Report.objects.bulk_create(
                Report(base=base, year=year, status=Status.APPROVED) for base in bases)
            ReportValue.objects.bulk_create(
                ReportValue(report=report, code=code, value=10 + i % 7)
                for i, report in enumerate(reports)
                for code in ("building_area", "service_staff", "svc_info_sessions",
                             "reporting_enterprises", "employees", "trademarks"))

    def compute() -> int:
        with CaptureQueriesContext(connection) as context:
            compute_annexes(year=2017, compare_year=2016, cohort_batch=1)
            compute_rankings(year=2017, top=10)
        return len(context.captured_queries)

    add(3, 0)
    small = compute()
    add(297, 3)
    with django_assert_max_num_queries(small):
        compute()
