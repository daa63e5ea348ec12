"""One report filter (reporting/filing/filters.py) behind the review queue and the API list."""

from __future__ import annotations

import datetime as dt
import re

from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import Base
from reporting.models import Report, Status
from tests.base import BaseTestCase


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


class ReportFilterTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018, deadline=dt.date(2018, 6, 30))
        cls.base_c = Base.objects.create(code="C001", name="长沙第二基地", city=cls.changsha,
                                         county="岳麓区", batch=2, year_designated=2017)
        for base, year, status, sent in (
                (cls.base_a, 2018, Status.SUBMITTED, dt.date(2018, 6, 1)),
                (cls.base_b, 2018, Status.SUBMITTED, dt.date(2018, 7, 15)),
                (cls.base_c, 2018, Status.APPROVED, dt.date(2018, 6, 30)),
                (cls.base_a, 2017, Status.APPROVED, dt.date(2017, 6, 1)),
                (cls.base_b, 2017, Status.DRAFT, None)):
            Report.objects.create(base=base, year=year, status=status,
                                  first_submitted_at=sent and at(sent),
                                  submitted_at=sent and at(sent))

    def page_reports(self, query: str) -> set[tuple[str, int]]:
        self.login(self.pat)
        response = self.client.get(f"/reports/?{query}")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["form"].errors, query)
        return {(r.base.code, r.year) for r in response.context["page"]}

    def api(self, query: str):
        cache.clear()
        client = APIClient()
        token = Token.objects.get_or_create(user=self.pat)[0]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.get(f"/api/v1/reports/?{query}")

    def api_reports(self, query: str) -> set[tuple[str, int]]:
        response = self.api(query)
        self.assertEqual(response.status_code, 200, response.content)
        return {(r["base_code"], r["year"]) for r in response.json()["results"]}

    def test_the_queue_and_the_api_return_the_same_reports_for_the_same_filters(self):
        # The queue hides drafts and defaults the year, so each row names both.
        table = {
            "year=2018&status=submitted": {("A001", 2018), ("B001", 2018)},
            "year=2018&status=approved": {("C001", 2018)},
            f"year=2018&status=submitted&city={self.changsha.pk}": {("A001", 2018)},
            "year=2018&status=submitted&city=株洲市": {("B001", 2018)},
            "year=2018&status=approved&batch=2": {("C001", 2018)},
            "year=2018&status=submitted&base=B001": {("B001", 2018)},
            "year=2018&status=submitted&timing=late": {("B001", 2018)},
            "year=2018&status=approved&timing=on_time": {("C001", 2018)},
            "year=2017&status=approved": {("A001", 2017)},
            "year=2017&status=draft": {("B001", 2017)},
        }
        for query, expected in table.items():
            with self.subTest(query=query):
                self.assertEqual(self.page_reports(query), expected)
                self.assertEqual(self.api_reports(query), expected)

    def test_bad_filter_values_are_a_400_naming_the_field_on_the_api_and_an_error_on_the_page(self):
        for field, value in (("year", "2018.0"), ("year", "1999"), ("batch", "0"),
                             ("batch", "abc"), ("city", "不存在市"), ("city", "%00"),
                             ("timing", "soon"), ("status", "lost"), ("base", "X" * 21)):
            with self.subTest(field=field, value=value):
                response = self.api(f"{field}={value}")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()), [field])
                self.login(self.pat)
                page = self.client.get(f"/reports/?{field}={value}")
                self.assertEqual(page.status_code, 200)
                self.assertIn(field, page.context["form"].errors)

    def test_a_bad_year_on_the_queue_falls_back_to_the_latest_round(self):
        self.login(self.pat)
        response = self.client.get("/reports/?year=abc&timing=late")
        self.assertContains(response, "必须是整数")
        self.assertEqual(response.context["year"], 2018)
        self.assertEqual({(r.base.code, r.year) for r in response.context["page"]},
                         {("B001", 2018)})

    def test_every_queue_filter_control_has_a_visible_label(self):
        self.login(self.pat)
        html = self.client.get("/reports/").content.decode()
        form = re.search(r'<form method="get" class="filters">(.*?)</form>', html, re.S).group(1)
        controls = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
        labels = re.findall(r'<label for="([^"]+)">([^<]+)</label>', form)
        self.assertEqual(len(controls), 6)
        self.assertEqual(sorted(controls), sorted(target for target, _ in labels))
        self.assertEqual([text for _, text in labels],
                         ["年度", "状态", "市州", "批次", "基地编码", "按时"])
