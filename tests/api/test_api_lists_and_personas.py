"""The web API: lists and every endpoint as every persona (outsiders get 404)."""

from __future__ import annotations

from typing import Any

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, ReportValue, Status
from tests.api.helpers import PERSONAS, ApiTestCase


class OpenRoundTestCase(ApiTestCase):
    """The 2018 round open, and base A001's draft in it."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    def setUp(self) -> None:
        super().setUp()
        self.report = self.draft()  # base A001, 长沙市: alice, carol and pat may read it


class ListTests(OpenRoundTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.report_a = self.report
        self.report_b = self.draft(self.base_b)

    def codes(self, persona: str, query: str = "") -> list[str]:
        response = self.call(persona, "get", f"/reports/{query}")
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["count"], len(response.data["results"]))
        return [item["base_code"] for item in response.data["results"]]

    def test_list_is_scoped_by_reports_for(self):
        self.assertEqual(self.codes("alice"), ["A001"])
        self.assertEqual(self.codes("bob"), ["B001"])
        self.assertEqual(self.codes("carol"), ["A001"])
        self.assertEqual(self.codes("charlie"), ["B001"])
        self.assertEqual(self.codes("pat"), ["A001", "B001"])

    def test_filters(self):
        services.submit_report(report=self.report_b, actor=self.bob,
                               version=self.report_b.version)
        self.assertEqual(self.codes("pat", "?status=submitted"), ["B001"])
        self.assertEqual(self.codes("pat", "?year=2018&base=A001"), ["A001"])
        self.assertEqual(self.codes("pat", "?year=2017"), [])
        self.assertEqual(self.codes("pat", "?city=株洲市"), ["B001"])
        self.assertEqual(self.codes("pat", f"?city={self.changsha.pk}"), ["A001"])
        self.assertEqual(self.codes("carol", "?city=株洲市"), [])
        for query in ("?year=abc", "?status=lost", "?year=2018.0"):
            response = self.call("pat", "get", f"/reports/{query}")
            self.assertEqual(response.status_code, 400)
            self.assertEqual(list(response.data), [query[1:].split("=")[0]])

    def test_list_is_paginated(self):
        response = self.call("pat", "get", "/reports/?page=1")
        self.assertEqual(set(response.data), {"count", "next", "previous", "results"})
        self.assertEqual(self.call("pat", "get", "/reports/?page=9").status_code, 404)

    def test_bases_are_scoped_by_bases_for(self):
        for persona, codes in {"alice": ["A001"], "carol": ["A001"], "charlie": ["B001"],
                               "pat": ["A001", "B001"]}.items():
            response = self.call(persona, "get", "/bases/")
            self.assertEqual([b["code"] for b in response.data["results"]], codes)
        response = self.call("carol", "get", "/bases/A001/")
        self.assertEqual((response.data["name"], response.data["city"]),
                         ("长沙科技新城", "长沙市"))

    def test_catalog(self):
        response = self.call("alice", "get", "/indicators/")
        self.assertEqual([i["code"] for i in response.data],
                         [i.code for i in indicators.CATALOG])
        by_code = {i["code"]: i for i in response.data}
        self.assertEqual(by_code["building_area"]["type"], "decimal")
        self.assertEqual(by_code["building_area"]["decimals"], 2)
        self.assertEqual(by_code["building_area"]["min"], "0.00")
        self.assertIsNone(by_code["ent_profit"]["min"])
        self.assertTrue(by_code["patents"]["derived"])
        self.assertFalse(by_code["avg_rent"]["required"])
        self.assertEqual(by_code["avg_rent"]["aggregation"], "mean_of_positive")
        self.assertEqual(by_code["standard_factory_area"]["not_above"], "building_area")


class PersonaTests(OpenRoundTestCase):
    """Every endpoint as every persona: out of scope is 404, in scope but not allowed 403."""

    def expect(self, method: str, path: str, expected: dict[str, int], data: Any = None):
        for persona in (None, *PERSONAS):
            response = self.call(persona, method, path, data if data is not None else {})
            want = 401 if persona is None else expected.get(persona, 404)
            with self.subTest(method=method, path=path, persona=persona):
                self.assertEqual(response.status_code, want, getattr(response, "data", None))
                self.assertEqual(response["Content-Type"], "application/json")
                if want in (401, 403, 404):
                    self.assertIn("detail", response.json())

    def test_reads(self):
        readers = {"alice": 200, "bob": 200, "carol": 200, "charlie": 200, "pat": 200}
        in_scope = {"alice": 200, "carol": 200, "pat": 200}
        statistics = {"carol": 200, "charlie": 200, "pat": 200}
        self.expect("get", "/indicators/", readers)
        self.expect("get", "/bases/", readers)
        self.expect("get", "/bases/A001/", in_scope)
        self.expect("get", "/bases/NOPE/", {})
        self.expect("get", "/rounds/", readers)
        self.expect("get", "/reports/", readers)
        self.expect("get", f"/reports/{self.report.pk}/", in_scope)
        self.expect("get", f"/reports/{self.report.pk}/history/", in_scope)
        self.expect("get", "/reports/999999/", {})
        self.expect("get", "/reports/abc/", {})
        self.expect("get", "/statistics/annexes/?year=2018", statistics)
        self.expect("get", "/statistics/rankings/?year=2018", statistics)
        self.expect("get", "/completeness/?year=2018", {"pat": 200})

    def test_writes(self):
        pk = self.report.pk
        # Allowed personas send an empty body here, which is a 400, not a 403 or 404.
        self.expect("post", "/rounds/", {"alice": 403, "bob": 403, "carol": 403,
                                         "charlie": 403, "pat": 400})
        # The body names the base, so a bad body is a 400 before anything else.
        self.expect("post", "/reports/", {"alice": 400, "bob": 400, "carol": 400,
                                          "charlie": 400, "pat": 400})
        # The policy answers before the body is read: only the officer files
        # (reporting.filing.policy).
        self.expect("patch", f"/reports/{pk}/", {"alice": 400, "carol": 403, "pat": 403})
        self.expect("put", f"/reports/{pk}/", {"alice": 405, "carol": 405, "pat": 405})
        self.expect("delete", f"/reports/{pk}/", {"alice": 405, "carol": 405, "pat": 405})
        for action in ("return", "approve", "reopen"):
            # The province may, but not to a draft: 409.
            self.expect("post", f"/reports/{pk}/{action}/", {"alice": 403, "carol": 403,
                                                             "pat": 409})
        # Submission runs the checks: the draft is complete, so alice's submit goes through.
        self.expect("post", f"/reports/{pk}/submit/", {"alice": 200, "carol": 403,
                                                       "pat": 403})
        self.assertEqual(Report.objects.get(pk=pk).status, Status.SUBMITTED)

    def test_preview_statistics_are_the_province_admins(self):
        for path in ("/statistics/annexes/", "/statistics/rankings/"):
            self.assertEqual(self.call("carol", "get", f"{path}?year=2018&preview=true")
                             .status_code, 403)
            response = self.call("pat", "get", f"{path}?year=2018&preview=true")
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.data["preview"])

    def test_out_of_scope_is_audited(self):
        self.call("bob", "patch", f"/reports/{self.report.pk}/", {"version": 1})
        event = AuditEvent.objects.get(event="scope_denied")
        self.assertEqual((event.actor_username, event.object_repr, event.outcome),
                         ("bob", f"report:{self.report.pk}", "denied"))
        self.assertEqual(ReportValue.objects.filter(report=self.report).count(),
                         len(indicators.ENTERED))

    def test_statistics_query_is_validated(self):
        for query in ("?year=", "?year=18", "?year=2018&compare_year=2018",
                      "?year=2018&preview=1", "?year=2018&cohort_batch=x"):
            response = self.call("pat", "get", f"/statistics/annexes/{query}")
            self.assertEqual(response.status_code, 400, query)
        response = self.call("pat", "get", "/statistics/rankings/?year=2018&top=0")
        self.assertEqual(response.status_code, 400)
        self.assertIn("top", response.data)
        response = self.call("pat", "get", "/completeness/?year=2030")
        self.assertEqual(response.status_code, 404)

    def test_statistics_default_to_the_latest_approved_year(self):
        services.submit_report(report=self.report, actor=self.alice, version=self.report.version)
        services.approve_report(report=self.report, actor=self.pat,
                                version=self.report.version + 1)
        for path in ("/statistics/annexes/", "/statistics/rankings/", "/completeness/"):
            response = self.call("pat", "get", path)
            self.assertEqual(response.status_code, 200, path)
            self.assertEqual(response.data["year"], 2018)
        self.assertEqual(self.call("pat", "get", "/statistics/annexes/").data["n"], 1)

    def test_annexes_with_comparison_year_have_all_six(self):
        response = self.call("pat", "get", "/statistics/annexes/?year=2018&cohort_batch=1")
        self.assertEqual(list(response.data["annexes"]),
                         ["附件1", "附件2", "附件3", "附件4", "附件5", "附件6"])
        self.assertEqual(response.data["compare_year"], 2017)
        annex3 = response.data["annexes"]["附件3"]
        self.assertEqual(len(annex3["header"]), 2)
        self.assertEqual(annex3["rows"][-1]["label"], "合计")
