"""Two-level review through the API: city-approve, the city reviewer's return, the override,
the status filter and the report's review_levels and city opinion; the same error shapes as
the rest of the API (400 named fields, 409 stale or wrong state, 404 outside scope)."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from bases.models import AuditEvent
from reporting.filing import services
from reporting.models import Report, Status
from tests.api.helpers import ApiTestCase


class TwoLevelApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018, review_levels=2)
        cls.tokens.update({name: Token.objects.create(user=getattr(cls, name)).key
                           for name in ("rita", "rex")})

    def submitted(self, base=None) -> Report:
        report = self.draft(base)
        officer = self.alice if report.base == self.base_a else self.bob
        return services.submit_report(report=report, actor=officer, version=report.version)

    def city_approve(self, persona: str, report: Report, body: dict | None = None):
        body = {"version": report.version} if body is None else body
        return self.call(persona, "post", f"/reports/{report.pk}/city-approve/", body)

    def test_city_reviewer_passes_with_an_opinion_that_the_json_carries(self):
        report = self.submitted()
        response = self.city_approve("rita", report, {"version": report.version,
                                                      "comment": "与台帐一致"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["city_opinion"], body["review_levels"]),
                         ("city_approved", "与台帐一致", 2))
        history = self.call("pat", "get", f"/reports/{report.pk}/history/").json()
        self.assertEqual([(h["action"], h["actor"]) for h in history[-2:]],
                         [("submit", "alice"), ("city_approve", "rita")])
        self.assertEqual(history[-1]["action_label"], "市州初审通过")

    def test_city_approve_refusals_have_the_apis_shapes(self):
        report = self.submitted()
        path = f"/reports/{report.pk}/city-approve/"
        self.assertEqual(self.call("rex", "post", path, {"version": report.version}).status_code,
                         404)
        self.assertEqual(self.call("alice", "post", path, {"version": report.version})
                         .status_code, 403)
        self.assertEqual(self.call("pat", "post", path, {"version": report.version})
                         .status_code, 403)
        bad = self.call("rita", "post", path, {"version": "2"})
        self.assertEqual((bad.status_code, list(bad.json())), (400, ["version"]))
        missing = self.call("rita", "post", path, {})
        self.assertEqual((missing.status_code, list(missing.json())), (400, ["version"]))
        stale = self.call("rita", "post", path, {"version": report.version - 1})
        self.assertEqual((stale.status_code, stale.json()["code"],
                          stale.json()["current_version"]),
                         (409, "stale_version", report.version))
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)
        self.assertEqual(AuditEvent.objects.filter(outcome="denied").count(), 3)
        self.city_approve("rita", report)
        again = self.city_approve("rita", Report.objects.get(pk=report.pk))
        self.assertEqual((again.status_code, again.json()["code"]), (409, "workflow"))

    def test_city_reviewer_returns_through_the_api_in_their_city_only(self):
        report = self.submitted()
        body = {"version": report.version, "field_comments": {"employees": "与名册不符"}}
        self.assertEqual(self.call("rex", "post", f"/reports/{report.pk}/return/", body)
                         .status_code, 404)
        response = self.call("rita", "post", f"/reports/{report.pk}/return/", body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["status"], response.json()["field_comments"]),
                         ("returned", {"employees": "与名册不符"}))
        self.assertEqual(Report.objects.get(pk=report.pk).transitions.last().action,
                         "city_return")

    def test_province_approves_a_submitted_report_only_with_an_override_reason(self):
        report = self.submitted()
        path = f"/reports/{report.pk}/approve/"
        refused = self.call("pat", "post", path, {"version": report.version})
        self.assertEqual((refused.status_code, refused.json()["code"]), (409, "workflow"))
        self.assertIn("越级审核", refused.json()["detail"])
        bad = self.call("pat", "post", path, {"version": report.version,
                                              "override_reason": 5})
        self.assertEqual((bad.status_code, list(bad.json())), (400, ["override_reason"]))
        response = self.call("pat", "post", path, {"version": report.version,
                                                   "override_reason": "长沙市逾期未审"})
        self.assertEqual((response.status_code, response.json()["status"]), (200, "approved"))
        self.assertTrue(AuditEvent.objects.filter(event="report_approved_override",
                                                  detail="长沙市逾期未审").exists())

    def test_list_filters_city_approved_and_carries_the_review_mode(self):
        report = self.submitted()
        self.submitted(self.base_b)
        services.city_approve_report(report=report, actor=self.rita, version=report.version,
                                     comment="同意")
        response = self.call("pat", "get", "/reports/?status=city_approved")
        self.assertEqual(response.status_code, 200)
        rows = response.json()["results"]
        self.assertEqual([(r["base_code"], r["review_levels"], r["city_opinion"]) for r in rows],
                         [("A001", 2, "同意")])
        self.assertEqual(self.call("rita", "get", "/reports/?status=submitted").json()["count"],
                         0)  # 株洲市's submitted report is not rita's
        self.assertEqual(self.call("rex", "get", "/reports/?status=submitted").json()["count"],
                         1)
        self.assertEqual(self.call("pat", "get", "/reports/?status=passed").status_code, 400)

    def test_completeness_carries_the_city_review_column(self):
        self.submitted()
        body = self.call("pat", "get", "/completeness/?year=2018").json()
        self.assertEqual(body["review_levels"], 2)
        self.assertEqual(body["total"]["city_review"]["awaiting"], 1)
        self.assertEqual([b["city_review"] for b in body["bases"] if b["code"] == "A001"],
                         ["awaiting"])
