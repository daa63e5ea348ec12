"""The web API: the whole filing cycle and rounds, through HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, ReportValue, Round, Status, Transition
from tests.api.helpers import ApiTestCase, api_values

SOFT_CHECK = "service_revenue_share:service_revenue"


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
