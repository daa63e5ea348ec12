"""The officer's upload of one report as a workbook, over HTTP through the test client."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from bases.models import AuditEvent
from reporting.filing import services
from reporting.models import Report, Status
from tests.workbook.helpers import WorkbookTestCase, column, full_values, report_row


class OfficerWorkbookTests(WorkbookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.open_round(2018)
        self.report = services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                                          values=full_values(), version=None)
        self.url = "/bases/A001/reports/2018/"

    def download(self, user) -> bytes:
        self.login(user)
        response = self.client.get(self.url + "workbook.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return response.getvalue()

    def upload(self, data: bytes, name: str = "filled.xlsx", version: object = None):
        version = self.report.version if version is None else version
        return self.client.post(self.url + "upload/",
                                {"file": SimpleUploadedFile(name, data), "version": version},
                                follow=True)

    def test_download_change_upload_shows_the_new_value_in_the_draft(self):
        data = self.download(self.alice)
        workbook = load_workbook(io.BytesIO(data))
        self.assertEqual([c.value for c in workbook["bases"][3]][:2], ["A001", "长沙科技新城"])
        sheet = workbook["reports"]
        self.assertEqual((sheet["A3"].value, sheet["B3"].value), ("A001", 2018))
        sheet[f"{column('building_area')}3"] = Decimal("4321.5")
        sheet[f"{column('has_service_platform')}3"] = "否"
        sheet[f"{column('platform_interconnected')}3"] = "否"
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "已从上传的工作簿读入数据并保存为草稿")
        self.assertContains(response, 'value="4321.50"')
        report = Report.objects.get(pk=self.report.pk)
        self.assertEqual(report.status, Status.DRAFT)
        self.assertEqual(report.version, self.report.version + 1)
        self.assertEqual(report.value_map()["building_area"], Decimal("4321.50"))
        self.assertIs(report.value_map()["has_service_platform"], False)
        self.assertTrue(AuditEvent.objects.filter(event="upload_report_workbook",
                                                  actor=self.alice,
                                                  outcome="success").exists())
        self.assertTrue(AuditEvent.objects.filter(event="download_report_workbook").exists())

    def test_report_page_offers_download_and_upload(self):
        self.login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, 'href="/bases/A001/reports/2018/workbook.xlsx"')
        self.assertContains(response, 'action="/bases/A001/reports/2018/upload/"')
        self.assertContains(response, 'accept=".xlsx"')
        self.assertContains(response, f'name="version" value="{self.report.version}"')
        self.login(self.carol)
        response = self.client.get(self.url)
        self.assertContains(response, 'href="/bases/A001/reports/2018/workbook.xlsx"')
        self.assertNotContains(response, 'action="/bases/A001/reports/2018/upload/"')

    def test_unstarted_report_downloads_a_blank_row_and_uploads_into_a_new_draft(self):
        self.login(self.bob)
        response = self.client.get("/bases/B001/reports/2018/workbook.xlsx")
        workbook = load_workbook(io.BytesIO(response.getvalue()))
        sheet = workbook["reports"]
        self.assertEqual((sheet["A3"].value, sheet["B3"].value), ("B001", 2018))
        sheet[f"{column('employees')}3"] = 77
        out = io.BytesIO()
        workbook.save(out)
        response = self.client.post("/bases/B001/reports/2018/upload/",
                                    {"file": SimpleUploadedFile("b.xlsx", out.getvalue()),
                                     "version": ""}, follow=True)
        self.assertContains(response, "保存为草稿")
        report = Report.objects.get(base=self.base_b, year=2018)
        self.assertEqual(report.value_map(), {"employees": 77})

    def test_readers_in_scope_may_download_others_get_404(self):
        self.download(self.carol)
        self.download(self.pat)
        self.login(self.alice)
        self.assertEqual(self.client.get("/bases/A001/reports/2031/workbook.xlsx").status_code,
                         404)
        for user in (self.bob, self.charlie, self.sam, self.audrey):
            self.login(user)
            self.assertEqual(self.client.get(self.url + "workbook.xlsx").status_code, 404,
                             user.username)

    def test_officer_b_uploading_to_a_gets_404_and_readers_403(self):
        data = self.download(self.alice)
        self.login(self.bob)
        response = self.client.post(self.url + "upload/",
                                    {"file": SimpleUploadedFile("x.xlsx", data),
                                     "version": self.report.version})
        self.assertEqual(response.status_code, 404)
        # Those who read the report but never edit figures get the form's audited 403.
        for user in (self.pat, self.carol, self.rita):
            self.login(user)
            response = self.client.post(self.url + "upload/",
                                        {"file": SimpleUploadedFile("x.xlsx", data),
                                         "version": self.report.version})
            self.assertEqual(response.status_code, 403, user.username)
            self.assertTrue(AuditEvent.objects.filter(event="role_denied", actor=user,
                                                      object_repr="report:A001/2018").exists())
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_text_in_a_number_cell_names_row_and_column_and_saves_nothing(self):
        workbook = load_workbook(io.BytesIO(self.download(self.alice)))
        workbook["reports"][f"{column('building_area')}3"] = "一千"
        workbook["reports"][f"{column('service_staff')}3"] = 1.5
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, f"工作表“reports”第3行 {column('building_area')}列（建筑面积）：必须是数字")
        self.assertContains(
            response,
            f"工作表“reports”第3行 {column('service_staff')}列（服务人员数量）：必须是整数")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_broken_files_answer_a_message_never_a_500(self):
        self.login(self.alice)
        valid = self.write_book("v.xlsx", reports=[]).read_bytes()
        cases = [
            (b"not a workbook", "filled.xlsx", "不是有效的 .xlsx 工作簿"),
            (b"PK\x03\x04" + b"\x01" * 300, "filled.xlsx", "文件已损坏"),
            (valid, "filled.xls", "只接受 .xlsx 格式"),
        ]
        wrong_sheets = Workbook()
        wrong_sheets.active.title = "Sheet1"
        out = io.BytesIO()
        wrong_sheets.save(out)
        cases.append((out.getvalue(), "filled.xlsx", "缺少工作表“reports”"))
        other = self.write_book("other.xlsx", reports=[report_row("B001", 2018, {})])
        cases.append((other.read_bytes(), "filled.xlsx",
                      "工作表“reports”第2行 A列（基地编码）：只能上传本基地（A001）的数据"))
        cases.append((valid, "filled.xlsx", "没有基地 A001 2018 年度的数据行"))
        for data, name, message in cases:
            with self.subTest(message=message):
                response = self.upload(data, name)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_upload_accepts_the_sheet_aliases_the_province_import_accepts(self):
        workbook = load_workbook(io.BytesIO(self.download(self.alice)))
        workbook["bases"].title = "基地"
        # A bases row the province import would refuse: the officer's upload ignores the sheet.
        workbook["基地"].append(["A001", "重复的基地"])
        workbook["reports"].title = "报表"
        workbook["报表"][f"{column('building_area')}3"] = Decimal("4321.5")
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertContains(response, "已从上传的工作簿读入数据并保存为草稿")
        report = Report.objects.get(pk=self.report.pk)
        self.assertEqual(report.version, self.report.version + 1)
        self.assertEqual(report.value_map()["building_area"], Decimal("4321.50"))

    def test_upload_errors_name_the_aliased_sheet_as_the_user_named_it(self):
        workbook = load_workbook(io.BytesIO(self.download(self.alice)))
        workbook["bases"].title = "基地"
        workbook["reports"].title = "年度报表"
        workbook["年度报表"]["A3"] = "B001"
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertContains(
            response, "工作表“年度报表”第3行 A列（基地编码）：只能上传本基地（A001）的数据")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_stale_version_is_refused(self):
        data = self.download(self.alice)
        response = self.upload(data, version=self.report.version - 1)
        self.assertContains(response, "报表已被他人修改")

    def test_submitted_report_cannot_be_overwritten_by_upload(self):
        data = self.download(self.alice)
        report = services.submit_report(report=self.report, actor=self.alice,
                                        version=self.report.version,
                                        explanations={f.check: "说明" for f in
                                                      services.findings_for(self.report,
                                                                            full_values())})
        response = self.client.post(self.url + "upload/",
                                    {"file": SimpleUploadedFile("x.xlsx", data),
                                     "version": report.version}, follow=True)
        self.assertContains(response, "不能修改")
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)
