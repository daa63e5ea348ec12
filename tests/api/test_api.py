"""The web API: the whole filing cycle, every endpoint as every persona, tokens and CSRF."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.middleware.csrf import _get_new_csrf_string
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from bases.models import AuditEvent, User
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, ReportValue, Round, Status, Transition
from tests.base import BaseTestCase, complete_values

try:  # signs in with the second factor verified where the role requires it
    from tests.base import sign_in
except ImportError:  # pragma: no cover - before two-factor login existed
    def sign_in(client, user: User) -> None:
        client.force_login(user)

API = "/api/v1"
PERSONAS = ("alice", "bob", "carol", "charlie", "pat", "sam", "audrey")
SOFT_CHECK = "service_revenue_share:service_revenue"


def api_values(**overrides: object) -> dict[str, Any]:
    """complete_values() as JSON types: decimals as strings, integers and booleans as such."""
    values: dict[str, Any] = {}
    for code, raw in complete_values(**overrides).items():
        indicator = indicators.BY_CODE[code]
        if raw in ("", "None"):
            values[code] = None
        elif indicator.is_bool:
            values[code] = raw == "true"
        elif indicator.kind == "int":
            values[code] = int(raw)
        else:
            values[code] = raw
    return values


class ApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tokens = {name: Token.objects.create(user=getattr(cls, name)).key
                      for name in PERSONAS}

    def setUp(self) -> None:
        cache.clear()  # throttle counters must not leak between tests

    def tearDown(self) -> None:
        cache.clear()

    def client_for(self, persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[persona]}")
        return client

    def call(self, persona: str | None, method: str, path: str, data: Any = None):
        client = self.client_for(persona)
        return getattr(client, method)(f"{API}{path}", data, format="json")

    def draft(self, base=None, year: int = 2018, **overrides: object) -> Report:
        """A draft with complete values, saved through the service."""
        base = base or self.base_a
        officer = self.alice if base == self.base_a else self.bob
        values = {code: indicators.BY_CODE[code].parse(raw)
                  for code, raw in complete_values(**overrides).items()}
        return services.save_draft(base=base, year=year, actor=officer,
                                   values={k: v for k, v in values.items() if v is not None},
                                   version=None)


class FilingCycleTests(ApiTestCase):
    def test_the_whole_cycle_through_the_api(self):
        # The province admin opens the round.
        response = self.call("pat", "post", "/rounds/", {
            "year": 2018, "opens_on": "2018-01-01", "deadline": "2099-12-31"})
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["opened_by"], "pat")

        # The officer drafts, without 就业人数 and with a service revenue share above 50%.
        response = self.call("alice", "post", "/reports/", {
            "year": 2018, "values": api_values(employees=None, service_revenue="2600.00")})
        self.assertEqual(response.status_code, 201, response.data)
        report_id, version = response.data["id"], response.data["version"]
        self.assertEqual(response.data["base_code"], "A001")
        self.assertEqual(response.data["status"], "draft")
        values = response.data["values"]
        self.assertEqual(values["building_area"], "120000.50")
        self.assertEqual(values["service_staff"], 10)
        self.assertIs(values["has_service_platform"], True)
        self.assertEqual(values["patents"], 30)  # derived: 10 + 10 + 10
        self.assertNotIn("employees", values)

        # Hard error: nothing is submitted.
        response = self.call("alice", "post", f"/reports/{report_id}/submit/", {})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["errors"], {"employees": ["必填"]})
        self.assertEqual(Report.objects.get().status, Status.DRAFT)

        response = self.call("alice", "patch", f"/reports/{report_id}/",
                             {"version": version, "values": {"employees": 900}})
        self.assertEqual(response.status_code, 200, response.data)
        version = response.data["version"]
        self.assertEqual(response.data["values"]["employees"], 900)
        self.assertEqual(response.data["values"]["building_area"], "120000.50")  # merged

        # Soft finding: it needs an explanation, filed under its check key.
        response = self.call("alice", "post", f"/reports/{report_id}/submit/",
                             {"version": version})
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("errors", response.data)
        [warning] = response.data["warnings"]
        self.assertEqual((warning["check"], warning["field"]), (SOFT_CHECK, "service_revenue"))
        self.assertIn("50%", warning["message"])

        response = self.call("alice", "post", f"/reports/{report_id}/submit/", {
            "version": version, "explanations": {SOFT_CHECK: "园区以服务为主业"}})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "submitted")
        self.assertEqual(response.data["explanations"], {SOFT_CHECK: "园区以服务为主业"})
        version = response.data["version"]

        # The province returns it with a comment on one figure.
        response = self.call("pat", "post", f"/reports/{report_id}/return/", {
            "comment": "请核实建筑面积", "field_comments": {"building_area": "与上年差异大"},
            "version": version})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "returned")
        response = self.call("alice", "get", f"/reports/{report_id}/")
        self.assertEqual(response.data["field_comments"], {"building_area": "与上年差异大"})
        self.assertEqual(response.data["review_comment"], "请核实建筑面积")
        version = response.data["version"]

        # The officer corrects; a second writer with the old version is refused.
        response = self.call("alice", "patch", f"/reports/{report_id}/",
                             {"version": version, "values": {"building_area": "110000.00"}})
        self.assertEqual(response.status_code, 200, response.data)
        stale, version = version, response.data["version"]
        response = self.call("alice", "patch", f"/reports/{report_id}/",
                             {"version": stale, "values": {"building_area": "1.00"}})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "stale_version")
        self.assertEqual(response.data["current_version"], version)
        self.assertEqual(ReportValue.objects.get(code="building_area").value,
                         Decimal("110000.00"))

        # Resubmission: the earlier explanation stands.
        response = self.call("alice", "post", f"/reports/{report_id}/submit/",
                             {"version": version})
        self.assertEqual(response.status_code, 200, response.data)
        version = response.data["version"]
        response = self.call("pat", "get", f"/reports/{report_id}/")
        self.assertEqual(response.data["changes_since_previous_submission"], [
            {"code": "building_area", "label": "建筑面积", "old": "120000.50",
             "new": "110000.00"}])

        # Approval needs the version the reviewer saw.
        response = self.call("pat", "post", f"/reports/{report_id}/approve/", {})
        self.assertEqual(response.status_code, 400)
        self.assertIn("version", response.data)
        response = self.call("pat", "post", f"/reports/{report_id}/approve/",
                             {"version": version - 1})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["current_version"], version)
        response = self.call("pat", "post", f"/reports/{report_id}/approve/",
                             {"version": version})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "approved")
        version = response.data["version"]

        # Locked.
        response = self.call("alice", "patch", f"/reports/{report_id}/",
                             {"version": version, "values": {"employees": 1}})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "workflow")
        self.assertIn("已审核", response.data["detail"])
        response = self.call("alice", "post", f"/reports/{report_id}/submit/", {})
        self.assertEqual(response.status_code, 409)

        # History: every transition, who, and what changed.
        response = self.call("alice", "get", f"/reports/{report_id}/history/")
        self.assertEqual(response.status_code, 200)
        history = response.data
        self.assertEqual([h["action"] for h in history],
                         ["create", "submit", "return", "submit", "approve"])
        self.assertEqual([h["actor"] for h in history],
                         ["alice", "alice", "pat", "alice", "pat"])
        self.assertEqual([(h["from_status"], h["to_status"]) for h in history], [
            ("", "draft"), ("draft", "submitted"), ("submitted", "returned"),
            ("returned", "submitted"), ("submitted", "approved")])
        self.assertEqual(history[2]["comment"], "请核实建筑面积")
        self.assertEqual(history[2]["field_comments"], {"building_area": "与上年差异大"})
        self.assertEqual(history[1]["explanations"], {SOFT_CHECK: "园区以服务为主业"})
        first = {c["code"]: (c["old"], c["new"]) for c in history[1]["changes"]}
        self.assertEqual(len(first), len(indicators.ENTERED))
        self.assertEqual(first["employees"], (None, "900"))
        self.assertEqual(history[3]["changes"], [
            {"code": "building_area", "label": "建筑面积", "old": "120000.50",
             "new": "110000.00"}])
        self.assertEqual(history[4]["changes"], [])
        self.assertTrue(all(h["at"] for h in history))

        # The statistics count the approved report.
        for persona in ("pat", "carol", "charlie"):
            response = self.call(persona, "get", "/statistics/annexes/?year=2018")
            self.assertEqual(response.status_code, 200, response.data)
            self.assertEqual(response.data["n"], 1)
            annex1 = response.data["annexes"]["附件1"]
            self.assertEqual(annex1["rows"][0]["cells"][0]["display"], "1")
            area = next(row for row in annex1["rows"] if row["code"] == "building_area")
            self.assertEqual(area["cells"][0]["value"], "110000.00")
            self.assertEqual(area["cells"][0]["rounded"], "11.0")  # 万平方米, 1 decimal
        response = self.call("pat", "get", "/statistics/rankings/?year=2018&top=3")
        ranking = next(r for r in response.data["rankings"] if r["code"] == "building_area")
        self.assertEqual(ranking["rows"], [{"place": 1, "base_code": "A001",
                                            "base_name": "长沙科技新城", "value": "110000.00"}])
        response = self.call("pat", "get", "/completeness/?year=2018")
        self.assertEqual(response.data["total"]["counts"]["approved"], 1)
        self.assertEqual([b["code"] for b in response.data["missing"]], ["B001"])

        # Every write went through the services and was audited.
        events = set(AuditEvent.objects.values_list("event", flat=True))
        self.assertLessEqual({"report_saved", "report_submitted", "report_returned",
                              "report_approved"}, events)

    def test_reopen_needs_a_reason_and_returns_the_report(self):
        self.open_round(2018)
        report = self.draft()
        services.submit_report(report=report, actor=self.alice, version=report.version)
        report = services.approve_report(report=report, actor=self.pat,
                                         version=report.version + 1)
        response = self.call("pat", "post", f"/reports/{report.pk}/reopen/", {"reason": " "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.data)
        response = self.call("pat", "post", f"/reports/{report.pk}/reopen/",
                             {"reason": "数据有误", "version": report.version})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "returned")
        response = self.call("pat", "post", f"/reports/{report.pk}/reopen/", {"reason": "再次"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Transition.objects.filter(action="reopen").count(), 1)

    def test_return_validates_its_comments_by_field(self):
        self.open_round(2018)
        report = self.draft()
        services.submit_report(report=report, actor=self.alice, version=report.version)
        path = f"/reports/{report.pk}/return/"
        response = self.call("pat", "post", path, {"comment": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn("comment", response.data)
        response = self.call("pat", "post", path, {"field_comments": {"no_such_code": "x"}})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["field_comments"], {"no_such_code": ["未知的指标代码"]})
        self.assertEqual(Report.objects.get().status, Status.SUBMITTED)

    def test_deadline_passed_refuses_submission_with_the_message(self):
        self.open_round(2018, deadline=dt.date(2018, 3, 31))
        report = self.draft()
        response = self.call("alice", "post", f"/reports/{report.pk}/submit/", {})
        self.assertEqual(response.status_code, 409)
        self.assertIn("截止日期", response.data["detail"])
        self.assertEqual(Report.objects.get().status, Status.DRAFT)

    def test_no_round_no_draft_for_an_officer(self):
        response = self.call("alice", "post", "/reports/", {"year": 2030})
        self.assertEqual(response.status_code, 409)
        self.assertIn("尚未开启", response.data["detail"])
        self.assertFalse(Report.objects.exists())


class ValueValidationTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    def test_bad_values_are_refused_by_field_and_nothing_is_saved(self):
        cases = {
            "building_area": ("abc", "必须是数字"),
            "operator_revenue": ("1.234", "最多保留2位小数"),
            "service_staff": (-3, "不能小于0"),
            "employees": (10**30, "数值过大"),
            "avg_rent": (12.5, "请以字符串填写数字"),
            "certified_mentors": ("2", "必须是整数"),
            "has_service_platform": ("maybe", "true"),
            "ent_tax": ("1,2,3", "千位分隔符位置不正确"),
            "patents": (3, "自动计算"),
            "no_such_code": (1, "未知的指标代码"),
        }
        for code, (raw, message) in cases.items():
            with self.subTest(code=code):
                response = self.call("alice", "post", "/reports/",
                                     {"year": 2018, "values": {code: raw}})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.data), ["values"])
                self.assertEqual(list(response.data["values"]), [code])
                self.assertIn(message, response.data["values"][code][0])
        self.assertFalse(Report.objects.exists())

    def test_every_error_of_a_request_is_listed(self):
        response = self.call("alice", "post", "/reports/", {
            "year": "2018", "values": {"building_area": "x", "service_staff": 1.5}})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.data), {"year", "values"})
        self.assertEqual(set(response.data["values"]), {"building_area", "service_staff"})

    def test_values_must_be_an_object(self):
        for values in ([], "x", None):
            response = self.call("alice", "post", "/reports/", {"year": 2018, "values": values})
            self.assertEqual(response.status_code, 400)
            self.assertIn("non_field_errors", response.data["values"])

    def test_body_must_be_json(self):
        client = self.client_for("alice")
        response = client.post(f"{API}/reports/", "year=2018",
                               content_type="application/x-www-form-urlencoded")
        self.assertEqual(response.status_code, 415)
        response = client.post(f"{API}/reports/", "{not json", content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("detail", response.json())

    def test_null_clears_a_figure_and_leaving_it_out_keeps_it(self):
        report = self.draft()
        response = self.call("alice", "patch", f"/reports/{report.pk}/", {
            "version": report.version, "values": {"avg_rent": None, "service_staff": 12}})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertNotIn("avg_rent", response.data["values"])
        self.assertEqual(response.data["values"]["service_staff"], 12)
        self.assertEqual(response.data["values"]["avg_sale_price"], "1000.00")

    def test_patch_needs_the_version(self):
        report = self.draft()
        response = self.call("alice", "patch", f"/reports/{report.pk}/", {"values": {}})
        self.assertEqual(response.status_code, 400)
        self.assertIn("version", response.data)

    def test_one_report_per_base_and_year(self):
        report = self.draft()
        response = self.call("alice", "post", "/reports/", {"year": 2018})
        self.assertEqual(response.status_code, 409)
        self.assertEqual((response.data["code"], response.data["report_id"]),
                         ("duplicate", report.pk))

    def test_province_admin_does_not_file_figures(self):
        response = self.call("pat", "post", "/reports/", {"year": 2018})
        self.assertEqual(response.status_code, 400)
        self.assertIn("base_code", response.data)
        response = self.call("pat", "post", "/reports/", {"year": 2018, "base_code": "Z999"})
        self.assertEqual(response.status_code, 404)
        response = self.call("pat", "post", "/reports/", {"year": 2018, "base_code": "B001",
                                                          "values": api_values()})
        self.assertEqual(response.status_code, 403)
        self.assertIn("退回", response.data["detail"])
        self.assertFalse(Report.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(event="role_denied", actor_username="pat",
                                                  object_repr="report:B001/2018").exists())

    def test_province_admin_cannot_patch_figures_even_in_a_closed_round(self):
        report = self.draft()
        Round.objects.filter(year=2018).update(closed_at=dt.datetime(2018, 6, 1, tzinfo=dt.UTC))
        response = self.call("pat", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "values": {"employees": 1}})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Report.objects.get().version, report.version)
        self.assertNotEqual(ReportValue.objects.get(code="employees").value, 1)
        # The officer's own PATCH in the closed round is a state refusal.
        response = self.call("alice", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "values": {"employees": 1}})
        self.assertEqual((response.status_code, response.data["code"]), (409, "workflow"))
        self.assertIn("已关闭", response.data["detail"])

    def test_officer_cannot_file_for_another_base(self):
        response = self.call("alice", "post", "/reports/", {"year": 2018, "base_code": "B001"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Report.objects.exists())
        response = self.call("alice", "post", "/reports/", {"year": 2018, "base_code": "A001"})
        self.assertEqual(response.status_code, 201)


class RoundTests(ApiTestCase):
    def test_rounds_are_validated_by_field(self):
        response = self.call("pat", "post", "/rounds/", {
            "year": 2018, "opens_on": "2018-03-01", "deadline": "2018-02-01"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("deadline", response.data)
        ok = {"year": 2018, "opens_on": "2018-01-01", "deadline": "2018-03-31"}
        self.assertEqual(self.call("pat", "post", "/rounds/", ok).status_code, 201)
        response = self.call("pat", "post", "/rounds/", ok)
        self.assertEqual(response.status_code, 400)
        self.assertIn("year", response.data)
        response = self.call("pat", "post", "/rounds/", {**ok, "year": 1999})
        self.assertEqual(response.status_code, 400)
        self.assertIn("year", response.data)
        self.assertEqual(Round.objects.count(), 1)

    def test_everyone_with_report_data_lists_rounds(self):
        self.open_round(2018)
        for persona in ("alice", "carol", "pat"):
            response = self.call(persona, "get", "/rounds/")
            self.assertEqual([r["year"] for r in response.data], [2018])


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


class AuthenticationTests(ApiTestCase):
    def test_anonymous_gets_401_json_not_a_login_redirect(self):
        response = APIClient().get(f"{API}/reports/")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_session_api_refuses_an_admin_who_has_not_passed_two_factor(self):
        TOTPDevice.objects.create(user=self.pat, name="phone", confirmed=True)
        self.password_login(self.client, "pat")  # the password, not yet the second factor
        response = self.client.get(f"{API}/reports/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"detail": "请先在网页上完成两步验证，再使用接口。"})

    def test_session_api_answers_an_admin_after_two_factor(self):
        sign_in(self.client, self.pat)
        self.assertEqual(self.client.get(f"{API}/reports/").status_code, 200)

    def test_session_api_answers_an_officer_without_two_factor(self):
        self.password_login(self.client, "alice")
        self.assertEqual(self.client.get(f"{API}/reports/").status_code, 200)

    def test_unknown_api_path_is_a_json_404(self):
        response = self.call("alice", "get", "/nothing/here/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "页面不存在"})

    def test_create_api_token_command_issues_a_working_token_and_replaces_the_old(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("create_api_token", "carol", stdout=out, stderr=err)
        first = out.getvalue().strip()
        self.assertEqual(len(first), 40)
        self.assertNotEqual(first, self.tokens["carol"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens['carol']}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 401)  # replaced
        client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)

        out = io.StringIO()
        call_command("create_api_token", "carol", stdout=out, stderr=io.StringIO())
        second = out.getvalue().strip()
        self.assertEqual(client.get(f"{API}/reports/").status_code, 401)
        client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)

        events = AuditEvent.objects.filter(event="token_created")
        self.assertEqual(events.count(), 2)
        for event in events:
            self.assertEqual(event.object_repr, "user:carol")
            self.assertNotIn(first, event.detail + event.object_repr)
            self.assertNotIn(second, event.detail + event.object_repr)

    def test_create_api_token_refuses_unknown_inactive_and_non_data_accounts(self):
        for username in ("nobody", "sam", "audrey"):
            with self.subTest(username=username), self.assertRaises(CommandError):
                call_command("create_api_token", username, stdout=io.StringIO())
        self.alice.is_active = False
        self.alice.save()
        with self.assertRaises(CommandError):
            call_command("create_api_token", "alice", stdout=io.StringIO())
        self.assertEqual(self.call("alice", "get", "/reports/").status_code, 401)

    def test_province_admin_revokes_a_token_in_the_admin(self):
        admin = APIClient()
        sign_in(admin, self.pat)
        listing = admin.get("/admin/authtoken/tokenproxy/")
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, "alice")
        for key in self.tokens.values():
            self.assertNotContains(listing, key)
        self.assertEqual(admin.get("/admin/authtoken/tokenproxy/add/").status_code, 403)
        url = f"/admin/authtoken/tokenproxy/{self.alice.pk}/delete/"
        self.assertEqual(admin.get(url).status_code, 200)
        response = admin.post(url, {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Token.objects.filter(user=self.alice).exists())
        self.assertEqual(self.call("alice", "get", "/reports/").status_code, 401)
        event = AuditEvent.objects.get(event="token_revoked")
        self.assertEqual((event.actor_username, event.object_repr), ("pat", "user:alice"))

    def test_only_the_province_admin_sees_tokens_in_the_admin(self):
        client = APIClient()
        sign_in(client, self.sam)
        self.assertEqual(client.get("/admin/authtoken/tokenproxy/").status_code, 403)
        url = f"/admin/authtoken/tokenproxy/{self.alice.pk}/delete/"
        self.assertEqual(client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(Token.objects.filter(user=self.alice).exists())

    def test_session_post_without_csrf_token_is_refused(self):
        self.open_round(2018)
        client = APIClient(enforce_csrf_checks=True)
        sign_in(client, self.alice)
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("CSRF", response.json()["detail"])
        self.assertFalse(Report.objects.exists())
        # With the CSRF token (cookie and header) the same session may write.
        secret = _get_new_csrf_string()
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json",
                               HTTP_X_CSRFTOKEN=secret)
        self.assertEqual(response.status_code, 201, response.json())

    def test_token_requests_need_no_csrf_token(self):
        self.open_round(2018)
        client = APIClient(enforce_csrf_checks=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens['alice']}")
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json")
        self.assertEqual(response.status_code, 201)

    def test_throttled_clients_get_429(self):
        with mock.patch.object(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"}):
            statuses = [self.call("alice", "get", "/indicators/").status_code for _ in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])


class DocumentationTests(ApiTestCase):
    def test_schema_and_docs_are_served_without_any_asset_from_the_internet(self):
        schema = self.client_for("carol").get("/api/schema/")
        self.assertEqual(schema.status_code, 200)
        self.assertIn(b"/api/v1/reports/{id}/submit/", schema.content)
        docs = self.client_for("carol").get("/api/docs/")
        self.assertEqual(docs.status_code, 200)
        page = docs.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                      page)
        self.assertNotIn("https://", page)
        self.assertNotIn("<script>", page)  # no inline script: CSP script-src 'self'
        script = self.client_for("carol").get("/api/docs/?script=")
        self.assertEqual(script.status_code, 200)
        self.assertIn("/api/schema/", script.content.decode())

    def test_sidecar_assets_are_installed(self):
        # The docs page serves Swagger UI from these files; without the app (or its files)
        # the finder comes back empty and this fails: it must never be skipped.
        from django.contrib.staticfiles import finders

        self.assertIsNotNone(finders.find(
            "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"))
