"""The province's import page: preview, confirm and refusals, over HTTP through the test client."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from bases.models import AuditEvent, Base
from reporting.models import Report, Status
from reporting.workbook.data import read_data_workbook
from reporting.workbook.views import PENDING_KEY
from tests.workbook.helpers import WorkbookTestCase, column, full_values, report_row


class ProvinceImportPageTests(WorkbookTestCase):
    def test_dry_run_preview_then_confirm(self):
        self.make_report(self.base_a, 2016, full_values(employees=100))
        path = self.write_book(
            "province.xlsx",
            bases=[["C001", "湘潭新基地", "湘潭市", "", 2]],
            reports=[report_row("A001", 2017, full_values(employees=900)),
                     report_row("C001", 2017, full_values())])
        self.login(self.pat)
        self.assertEqual(self.client.get("/data/import/").status_code, 200)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("province.xlsx", path.read_bytes()),
            "status": "approved", "action": "preview"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "预检结果")
        self.assertContains(response, '<td class="num" id="reports-created">2</td>', html=False)
        self.assertContains(response, '<td class="num" id="bases-created">1</td>', html=False)
        self.assertContains(response, "超过±50%")
        self.assertContains(response, "<td>就业人数</td>", html=False)
        self.assertContains(response, '<div class="table-wrap">')
        self.assertEqual(Report.objects.filter(year=2017).count(), 0)
        self.assertFalse(Base.objects.filter(code="C001").exists())
        token = response.context["token"]
        self.assertTrue(token)

        response = self.client.post("/data/import/", {"action": "confirm", "token": "x" * 32},
                                    follow=True)
        self.assertContains(response, "预检结果已失效")
        self.assertEqual(Report.objects.filter(year=2017).count(), 0)

        response = self.client.post("/data/import/", {"action": "confirm", "token": token},
                                    follow=True)
        self.assertContains(response, "导入完成")
        self.assertEqual(Report.objects.filter(year=2017, status=Status.APPROVED).count(), 2)
        self.assertEqual(Base.objects.get(code="C001").batch, 2)
        self.assertEqual(
            list(AuditEvent.objects.filter(event="import_workbook", actor=self.pat)
                 .order_by("id").values_list("outcome", flat=True)),
            ["dry_run", "success"])
        # The token is single-use.
        response = self.client.post("/data/import/", {"action": "confirm", "token": token},
                                    follow=True)
        self.assertContains(response, "预检结果已失效")

    def test_a_confirm_from_a_stale_session_does_not_import_twice(self):
        path = self.write_book("once.xlsx", reports=[report_row("A001", 2017, full_values())])
        self.login(self.pat)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("once.xlsx", path.read_bytes()), "status": "approved"})
        token = response.context["token"]
        stale = dict(self.client.session[PENDING_KEY])
        response = self.client.post("/data/import/", {"action": "confirm", "token": token},
                                    follow=True)
        self.assertContains(response, "导入完成")
        # A second request that read the session before the first one saved it.
        session = self.client.session
        session[PENDING_KEY] = stale
        session.save()
        response = self.client.post("/data/import/", {"action": "confirm", "token": token},
                                    follow=True)
        self.assertContains(response, "预检结果已失效")
        self.assertEqual(Report.objects.get().transitions.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(event="import_workbook",
                                                   outcome="success").count(), 1)

    def test_preview_lists_every_error_with_its_position_and_offers_no_confirm(self):
        path = self.write_book("bad.xlsx", reports=[
            report_row("A001", 2017, full_values(employees="很多")),
            report_row("A001", 2016, full_values(service_revenue=900))])
        self.login(self.pat)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("bad.xlsx", path.read_bytes()), "status": "approved"})
        self.assertEqual(response.status_code, 200)
        errors = [str(e) for e in response.context["result"].errors]
        self.assertIn(f"工作表“reports”第2行 {column('employees')}列（就业人数）：必须是数字",
                      errors)
        self.assertIn(f"工作表“reports”第3行 {column('service_revenue')}列（其中：服务收入）："
                      "不能大于“运营单位营业收入”（800.00）", errors)
        self.assertContains(response, "必须是数字")
        self.assertContains(response, f"<td>{column('employees')}</td>", html=False)
        self.assertNotContains(response, 'value="confirm"')
        self.assertEqual(Report.objects.count(), 0)

    @override_settings(UPLOAD_MAX_BYTES=1000)
    def test_oversized_and_non_workbook_uploads_get_a_message(self):
        self.login(self.pat)
        path = self.write_book("big.xlsx", reports=[])
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("big.xlsx", path.read_bytes()), "status": "approved"})
        self.assertContains(response, "文件过大", status_code=400)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("notes.txt", b"hello"), "status": "approved"})
        self.assertContains(response, "只接受 .xlsx 格式", status_code=400)

    def test_only_the_province_may_import_or_export(self):
        for user in (self.alice, self.carol, self.sam, self.audrey):
            self.login(user)
            self.assertEqual(self.client.get("/data/import/").status_code, 404)
            self.assertEqual(self.client.get("/data/export/?year=2017").status_code, 404)

    def test_export_downloads_the_data_workbook(self):
        self.make_report(self.base_a, 2017, full_values())
        self.login(self.pat)
        response = self.client.get("/data/export/?year=2017")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        path = self.tmp / "download.xlsx"
        path.write_bytes(response.getvalue())
        book = read_data_workbook(path)
        self.assertEqual(book.errors, [])
        self.assertEqual(book.reports[0].values, full_values())
        self.assertTrue(AuditEvent.objects.filter(event="export_workbook", actor=self.pat,
                                                  object_repr="data:2017").exists())
        response = self.client.get("/data/export/?year=abc")
        self.assertContains(response, "请填写2000至2100之间的导出年度", status_code=400)
        response = self.client.get("/data/export/")
        self.assertContains(response, 'id="export-form"')
