"""The web API: figures validated as the web form validates them, each refusal naming the field."""

from __future__ import annotations

import datetime as dt

from bases.models import AuditEvent
from reporting.models import Report, ReportValue, Round
from tests.api.helpers import API, ApiTestCase, api_values


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
