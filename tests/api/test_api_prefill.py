"""GET /api/v1/bases/{code}/prefill/{year}/: the records' figures, typed like report values,
scoped like the reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework.authtoken.models import Token

from bases.models import AuditEvent, Role
from reporting.filing import services
from tests.api.helpers import ApiTestCase
from tests.filing.prefill_helpers import activity, enterprise, institution


class PrefillApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        activity(cls.base_a, dt.date(2018, 3, 5), "training", 30)
        activity(cls.base_a, dt.date(2018, 12, 31), "training", 12)
        institution(cls.base_a, dt.date(2016, 1, 1))
        enterprise(cls.base_a, high_tech=True, valid_until=dt.date(2020, 1, 1),
                   years={2018: {"ent_total_assets": Decimal("1200.50")}})
        enterprise(cls.base_a, years={2018: {"ent_total_assets": Decimal("0.25")}})

    def get(self, persona: str | None, code: str = "A001", year: object = 2018):
        return self.call(persona, "get", f"/bases/{code}/prefill/{year}/")

    def test_values_are_typed_like_the_report_api_and_sources_name_the_record(self):
        body = self.get("alice").json()
        self.assertEqual(set(body), {"values", "sources", "ledger_complete", "roster_complete",
                                     "notes"})
        self.assertEqual(body["notes"], [])
        values, sources = body["values"], body["sources"]
        self.assertEqual(values["svc_training_sessions"], 2)
        self.assertEqual(values["svc_training_enterprises"], 42)
        self.assertEqual(values["third_party_institutions"], 1)
        self.assertIs(values["platform_interconnected"], False)
        self.assertEqual(values["ent_total_assets"], "1200.75")
        self.assertEqual(values["ent_profit"], "-24.68")
        self.assertEqual(values["reporting_enterprises"], 2)
        self.assertEqual(values["high_tech_enterprises"], 1)
        self.assertEqual(values["patents"], 10)
        self.assertEqual(sources["svc_training_sessions"], "ledger")
        self.assertEqual(sources["platform_interconnected"], "ledger")
        self.assertEqual(sources["ent_total_assets"], "roster")
        self.assertEqual(set(sources), set(values))
        self.assertNotIn("building_area", values)
        self.assertEqual((body["ledger_complete"], body["roster_complete"]), (False, False))

    def test_enterprises_moved_out_during_the_year_that_tip_the_counts_are_explained(self):
        # A: 2 reporting, both resident. Two more that left in 2018 with 2018 figures: 4 > 2.
        for day in (dt.date(2018, 6, 30), dt.date(2018, 12, 31)):
            enterprise(self.base_a, moved_out=day, years={2018: {}})
        body = self.get("alice").json()
        self.assertEqual((body["values"]["reporting_enterprises"],
                          body["values"]["resident_enterprises"]), (4, 2))
        [note] = body["notes"]
        self.assertIn("2 家企业已于2018年内迁出但填有2018年度数据", note)
        self.assertIn("计入“报送企业户数”（4），不计入年末“入驻企业户数”（2）", note)

    def test_the_officers_declarations_are_reported(self):
        services.save_draft(base=self.base_a, year=2018, actor=self.alice, version=None,
                            values={}, roster_complete=True)
        body = self.get("alice").json()
        self.assertEqual((body["ledger_complete"], body["roster_complete"]), (False, True))

    def test_scope_officer_own_base_city_its_city_province_all(self):
        for persona in ("alice", "carol", "pat"):
            self.assertEqual(self.get(persona).status_code, 200, persona)
        for persona in ("bob", "charlie", "sam", "audrey"):
            response = self.get(persona)
            self.assertEqual(response.status_code, 404, persona)
            self.assertNotIn("values", response.json())
        self.assertEqual(self.get(None).status_code, 401)
        self.assertTrue(AuditEvent.objects.filter(event="scope_denied",
                                                  object_repr="base:A001").exists())

    def test_the_bases_platform_account_reads_no_prefill(self):
        platform = self.make_user("a_platform", Role.PLATFORM, base=self.base_a)
        self.tokens["a_platform"] = Token.objects.create(user=platform).key
        self.assertEqual(self.get("a_platform").status_code, 404)

    def test_bob_sees_his_own_base_without_records_as_empty(self):
        body = self.get("bob", "B001").json()
        self.assertEqual(body, {"values": {}, "sources": {}, "ledger_complete": False,
                                "roster_complete": False, "notes": []})

    def test_unknown_base_and_bad_years(self):
        self.assertEqual(self.get("pat", "ZZZ9").status_code, 404)
        response = self.get("pat", year=1999)
        self.assertEqual(response.status_code, 400)
        self.assertIn("year", response.json())
        self.assertEqual(self.get("pat", year="abc").status_code, 404)

    def test_other_methods_are_refused_and_change_nothing(self):
        response = self.call("alice", "post", "/bases/A001/prefill/2018/", {})
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.call("bob", "post", "/bases/A001/prefill/2018/", {}).status_code,
                         404)


class CompletenessOverApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        activity(cls.base_a, dt.date(2018, 3, 5), "training", 30)

    def test_patch_declares_the_ledger_complete_and_submit_then_asks_for_an_explanation(self):
        report = self.draft(svc_training_sessions=5)
        response = self.call("alice", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "ledger_complete": True})
        self.assertEqual(response.status_code, 200, response.json())
        self.assertIs(response.json()["ledger_complete"], True)
        self.assertIs(response.json()["roster_complete"], False)
        version = response.json()["version"]
        response = self.call("alice", "post", f"/reports/{report.pk}/submit/",
                             {"version": version})
        self.assertEqual(response.status_code, 400)
        self.assertIn("ledger_differs:svc_training_sessions",
                      [w["check"] for w in response.json()["warnings"]])

    def test_a_patch_without_the_flags_leaves_them_as_they_are(self):
        report = self.draft()
        services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                            version=report.version, values={}, merge=True, ledger_complete=True)
        report.refresh_from_db()
        response = self.call("alice", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "values": {"service_staff": 12}})
        self.assertIs(response.json()["ledger_complete"], True)

    def test_a_flag_that_is_not_a_boolean_is_refused(self):
        report = self.draft()
        response = self.call("alice", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "ledger_complete": "yes"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("ledger_complete", response.json())
