"""The resident-enterprise roster through the API (issue 19, SPEC 10): shapes, the credit code
as the natural key of a resend, refusals, yearly figures and their lock, duplicates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bases.models import AuditEvent
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from reporting.models import Report, Status
from tests.api.records import RecordsApiTestCase, enterprise_body, year_body
from tests.roster.helpers import credit_code

ENTERPRISES = "/bases/A001/enterprises/"


class EnterpriseTests(RecordsApiTestCase):
    def test_an_enterprise_has_the_shape_of_spec_10_with_its_years(self):
        self.call("alice", "put", f"{ENTERPRISES}{self.enterprise.pk}/years/2018/", year_body())
        response = self.call("alice", "get", f"{ENTERPRISES}{self.enterprise.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {
            "id": self.enterprise.pk, "name": "湘江智造科技有限公司",
            "credit_code": credit_code(1), "moved_in": "2016-03-01", "moved_out": None,
            "small_micro": False, "high_tech": False, "high_tech_cert": "",
            "high_tech_valid_until": None, "industry": "", "contact": "张三 0731-1234",
            "years": {"2018": year_body()}, "resident_elsewhere": None})

    def test_the_contact_is_kept_from_the_city_viewer(self):
        body = self.call("carol", "get", f"{ENTERPRISES}{self.enterprise.pk}/").json()
        self.assertNotIn("contact", body)
        listed = self.call("carol", "get", ENTERPRISES).json()["results"]
        self.assertNotIn("contact", listed[0])
        self.assertIn("contact", self.call("pat", "get", ENTERPRISES).json()["results"][0])

    def test_the_list_is_paginated_and_filtered_by_residence_in_the_year(self):
        self.call("alice", "post", ENTERPRISES, enterprise_body(moved_in="2019-02-01"))
        body = self.call("alice", "get", f"{ENTERPRISES}?year=2018").json()
        self.assertEqual([e["id"] for e in body["results"]], [self.enterprise.pk])
        self.assertEqual(self.call("alice", "get", ENTERPRISES).json()["count"], 2)

    def test_a_resend_with_the_same_credit_code_updates_the_enterprise(self):
        first = self.call("plato", "post", ENTERPRISES, enterprise_body(50))
        self.assertEqual(first.status_code, 201, first.content)
        # Lower case and spaces are the same code; fields left out stay as they were.
        code = credit_code(50)
        again = self.call("plato", "post", ENTERPRISES, {
            "name": "改名企业", "credit_code": f" {code.lower()} ", "moved_in": "2016-05-01"})
        self.assertEqual((again.status_code, again.json()["id"]), (200, first.json()["id"]))
        enterprise = Enterprise.objects.get(base=self.base_a, credit_code=code)
        self.assertEqual((enterprise.name, enterprise.small_micro, enterprise.industry),
                         ("改名企业", True, "C"))
        self.assertEqual((enterprise.created_by, enterprise.updated_by), (self.plato, self.plato))
        self.assertEqual(RosterChange.objects.filter(enterprise=enterprise).count(), 2)

    def test_patch_changes_only_the_fields_sent(self):
        response = self.call("alice", "patch", f"{ENTERPRISES}{self.enterprise.pk}/",
                             {"moved_out": "2019-06-30"})
        self.assertEqual(response.status_code, 200, response.content)
        self.enterprise.refresh_from_db()
        self.assertEqual((self.enterprise.moved_out, self.enterprise.name),
                         (dt.date(2019, 6, 30), "湘江智造科技有限公司"))

    def test_an_enterprise_resident_elsewhere_says_so_without_naming_the_base(self):
        response = self.call("alice", "post", ENTERPRISES,
                             enterprise_body(2, moved_in="2018-01-01"))  # ent_b's code
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["resident_elsewhere"], "已在其他基地登记")
        self.assertNotIn(self.base_b.name, response.content.decode())
        listed = self.call("carol", "get", ENTERPRISES).json()["results"]
        flags = {e["credit_code"]: e["resident_elsewhere"] for e in listed}
        self.assertEqual(flags, {credit_code(1): None, credit_code(2): "已在其他基地登记"})
        self.assertNotIn("elsewhere_bases", listed[0])
        for persona in ("plato", "carol"):
            self.assertNotIn(self.base_b.name, self.call(persona, "get", ENTERPRISES)
                             .content.decode())
        # The province learns which base, as on the pages.
        seen = self.call("pat", "get", f"{ENTERPRISES}{response.json()['id']}/").json()
        self.assertEqual(seen["elsewhere_bases"], [{"code": "B001", "name": "株洲创业园"}])


class EnterpriseRefusalTests(RecordsApiTestCase):
    def refused(self, field: str, path: str = ENTERPRISES, method: str = "post", **body):
        before = list(Enterprise.objects.values_list("pk", "name", "moved_out"))
        refused = self.assertRefused(self.call("alice", method, path, body), field)
        self.assertEqual(list(Enterprise.objects.values_list("pk", "name", "moved_out")),
                         before)
        return refused

    def test_a_wrong_check_character_length_or_letter_is_refused_naming_the_rule(self):
        valid = credit_code(60)
        for code, words in ((valid[:17] + ("0" if valid[17] != "0" else "1"), "校验位"),
                            (valid[:17], "18位"), ("91350100M000100I43", "不使用字母 I")):
            with self.subTest(code=code):
                body = self.refused("credit_code", **enterprise_body(credit_code=code))
                self.assertIn(words, body["errors"]["credit_code"][0])
        self.assertTrue(AuditEvent.objects.filter(event="roster_refused").exists())

    def test_moved_out_before_moved_in_is_refused(self):
        self.refused("moved_out", **enterprise_body(moved_out="2015-01-01"))

    def test_a_credit_code_of_another_enterprise_of_the_base_is_refused_on_patch(self):
        other = self.call("alice", "post", ENTERPRISES, enterprise_body(61)).json()
        self.refused("credit_code", f"{ENTERPRISES}{other['id']}/", "patch",
                     credit_code=credit_code(1))

    def test_high_tech_without_a_certificate_is_refused(self):
        body = self.refused("high_tech_cert", **enterprise_body(high_tech=True))
        self.assertIn("high_tech_valid_until", body["errors"])

    def test_types_are_strict(self):
        self.refused("small_micro", **enterprise_body(small_micro="yes"))
        self.refused("moved_in", **enterprise_body(moved_in="01/05/2016"))
        self.refused("industry", **enterprise_body(industry="Z"))


class YearFiguresTests(RecordsApiTestCase):
    def path(self, year: int | str = 2018, enterprise=None) -> str:
        return f"{ENTERPRISES}{(enterprise or self.enterprise).pk}/years/{year}/"

    def test_put_sets_the_years_figures_exactly(self):
        response = self.call("plato", "put", self.path(), year_body())
        self.assertEqual(response.status_code, 200, response.content)
        row = EnterpriseYear.objects.get(enterprise=self.enterprise, year=2018)
        self.assertEqual((row.ent_total_assets, row.ent_profit, row.employees, row.updated_by),
                         (Decimal("1200.50"), Decimal("-12.34"), 25, self.plato))
        again = self.call("plato", "put", self.path(), year_body(employees=26))
        self.assertEqual(again.json()["years"]["2018"]["employees"], 26)
        self.assertEqual(EnterpriseYear.objects.filter(enterprise=self.enterprise).count(), 1)

    def test_bad_figures_are_refused_naming_the_code_and_nothing_is_saved(self):
        for code, value in (("employees", -1), ("employees", "25"), ("ent_tax", "-1.00"),
                            ("ent_revenue", "1.234"), ("ent_revenue", 800),
                            ("ent_revenue", "9e999999999"), ("trademarks", 2**40),
                            ("ent_total_assets", "1" * 30)):
            with self.subTest(code=code, value=value):
                self.assertRefused(self.call("alice", "put", self.path(),
                                             year_body(**{code: value})), code)
        self.assertRefused(self.call("alice", "put", self.path(), {"employees": 1}), "ent_tax")
        self.assertRefused(self.call("alice", "put", self.path(), year_body(patents=3)),
                           "patents")
        self.assertFalse(EnterpriseYear.objects.exists())

    def test_a_year_before_the_move_in_or_after_the_move_out_is_refused(self):
        self.assertRefused(self.call("alice", "put", self.path(2015), year_body()), "year")
        self.assertRefused(self.call("alice", "put", self.path(2999), year_body()), "year")
        self.assertEqual(self.call("alice", "put", self.path("20x8"), year_body()).status_code,
                         404)
        self.assertFalse(EnterpriseYear.objects.exists())

    def test_the_years_figures_lock_when_the_report_is_approved_and_unlock_on_reopen(self):
        report = Report.objects.create(base=self.base_a, year=2018, status=Status.APPROVED)
        response = self.call("plato", "put", self.path(), year_body())
        body = self.assertRefused(response, "year")
        self.assertEqual(body["code"], "locked")
        self.assertFalse(EnterpriseYear.objects.exists())
        Report.objects.filter(pk=report.pk).update(status=Status.DRAFT)
        self.assertEqual(self.call("plato", "put", self.path(), year_body()).status_code, 200)


class DuplicatesTests(RecordsApiTestCase):
    def test_the_province_lists_duplicates_with_both_bases(self):
        self.call("alice", "post", ENTERPRISES, enterprise_body(2, moved_in="2017-06-01"))
        response = self.call("pat", "get", "/enterprises/duplicates/?year=2018")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["year"], body["count"]), (2018, 1))
        entries = body["duplicates"][0]["entries"]
        self.assertEqual(body["duplicates"][0]["credit_code"], credit_code(2))
        self.assertEqual({e["base_code"] for e in entries}, {"A001", "B001"})
        self.assertEqual(self.call("pat", "get", "/enterprises/duplicates/?year=2016")
                         .json()["count"], 0)
        self.assertEqual(self.call("pat", "get", "/enterprises/duplicates/?year=x")
                         .status_code, 400)

    def test_nobody_but_the_province_reads_the_duplicates(self):
        for persona in ("alice", "bob", "carol", "charlie", "plato", "sam", "audrey"):
            with self.subTest(persona=persona):
                response = self.call(persona, "get", "/enterprises/duplicates/?year=2018")
                self.assertEqual(response.status_code, 404)
