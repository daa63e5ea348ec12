"""Rules that used to have several copies, now one: batches, the comparison year, the year
range, soft findings computed once per submission, the base's own deadline on its page."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import Base
from reporting.filing import checks
from reporting.models import Extension, Report
from tests.base import BaseTestCase, complete_values


class SharedRuleTests(BaseTestCase):
    def api_get(self, user, path: str):
        cache.clear()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        return client.get(f"/api/v1{path}")

    def test_a_base_of_batch_twelve_is_found_by_every_batch_filter(self):
        # Imports accept batches up to 99; the filters used to stop at 10.
        Base.objects.create(code="C012", name="第十二批基地", city=self.changsha, batch=12)
        self.login(self.pat)
        self.assertContains(self.client.get("/bases/?batch=12"), "第十二批基地")
        self.assertNotContains(self.client.get("/bases/?batch=12"), "长沙科技新城")
        page = self.client.get("/statistics/?year=2018&cohort_batch=12")
        self.assertEqual(page.context["form"].errors, {})
        self.assertContains(page, "第十二批")
        response = self.api_get(self.pat, "/statistics/annexes/?year=2018&cohort_batch=12")
        self.assertEqual((response.status_code, response.json()["cohort_batch"]), (200, 12))
        response = self.api_get(self.pat, "/statistics/annexes/?year=2018&cohort_batch=100")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cohort_batch", response.json())

    def test_comparison_year_equal_to_the_year_is_refused_alike_everywhere(self):
        message = "对比年度不能与统计年度相同"
        self.login(self.pat)
        page = self.client.get("/statistics/?year=2017&compare_year=2017")
        self.assertEqual(page.context["form"].errors, {"compare_year": [message]})
        response = self.api_get(self.pat, "/statistics/annexes/?year=2017&compare_year=2017")
        self.assertEqual((response.status_code, response.json()),
                         (400, {"compare_year": [message]}))
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "annexes.xlsx"
            with self.assertRaisesMessage(CommandError, message):
                call_command("export_annexes", "--year", "2017", "--compare-year", "2017",
                             "-o", str(output))
            with self.assertRaisesMessage(CommandError, "年度应在2000至2100之间"):
                call_command("export_annexes", "--year", "1990", "-o", str(output))
            self.assertFalse(output.exists())

    def test_the_year_range_reads_the_same_on_the_api_and_the_queue(self):
        response = self.api_get(self.pat, "/reports/?year=1999")
        self.assertEqual(response.json(), {"year": ["年度应在2000至2100之间"]})
        self.login(self.pat)
        self.assertIn("year", self.client.get("/reports/?year=1999").context["form"].errors)

    def test_a_submission_computes_the_soft_findings_once(self):
        self.open_round(2018)
        self.login(self.alice)
        with mock.patch("reporting.filing.checks.soft_findings",
                        wraps=checks.soft_findings) as soft_findings:
            response = self.client.post("/bases/A001/reports/2018/", {
                "action": "submit", "version": "",
                **complete_values(service_revenue="4000.00")})
        self.assertContains(response, "需要填写情况说明")
        self.assertEqual(soft_findings.call_count, 1)
        self.assertContains(response, 'name="explain__service_revenue_share:service_revenue"')
        self.assertFalse(Report.objects.exists())

    def test_the_base_page_shows_the_bases_own_deadline(self):
        round_ = self.open_round(2018, deadline=dt.date(2018, 3, 31))
        Extension.objects.create(round=round_, base=self.base_a, deadline=dt.date(2018, 4, 30))
        self.login(self.alice)
        page = self.client.get("/bases/A001/")
        self.assertContains(page, "2018年4月30日")
        self.assertContains(page, "（已延期）")
        self.login(self.bob)
        self.assertNotContains(self.client.get("/bases/B001/"), "已延期")
