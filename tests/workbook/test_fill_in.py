"""The officer's fill-in workbook (下载填报表): layout, protection, validation, and the upload
that reads it back exactly, over HTTP through the test client."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, Round, Status
from tests.workbook.helpers import WorkbookTestCase, full_values

URL = "/bases/A001/reports/2018/"


class FillInTestCase(WorkbookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.open_round(2018)
        self.make_report(self.base_a, 2017, full_values(service_staff=11))  # approved
        self.report = services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                                          values=full_values(), version=None)

    def download(self, user=None, url: str = URL + "fill-in.xlsx"):
        self.login(user or self.alice)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    @staticmethod
    def rows_by_code(sheet) -> dict[str, int]:
        return {sheet[f"G{r}"].value: r for r in range(5, sheet.max_row + 1)
                if sheet[f"G{r}"].value}

    def upload(self, workbook, version: object = None):
        out = io.BytesIO()
        workbook.save(out)
        version = self.report.version if version is None else version
        return self.client.post(URL + "upload/", {
            "file": SimpleUploadedFile("填报表.xlsx", out.getvalue()), "version": version},
            follow=True)


class FillInLayoutTests(FillInTestCase):
    def test_guide_and_form_name_the_base_the_year_and_the_deadline(self):
        workbook = self.download()
        self.assertEqual(workbook.sheetnames, ["填报说明", "填报表"])
        guide = [row for row in workbook["填报说明"].iter_rows(values_only=True)]
        self.assertIn(("基地名称", "长沙科技新城"), guide)
        self.assertIn(("基地编码", "A001"), guide)
        self.assertIn(("报送年度", "2018年"), guide)
        deadline = Round.objects.get(year=2018).deadline
        self.assertIn(("截止日期", deadline.strftime("%Y年%m月%d日")), guide)
        self.assertTrue(any(row[0] == "如何上传" for row in guide))
        form = workbook["填报表"]
        self.assertIn("2018年度", form["A1"].value)
        self.assertIn("长沙科技新城", form["A2"].value)
        self.assertIn("A001", form["A2"].value)
        self.assertEqual([c.value for c in form[4]][:6],
                         ["序号", "指标", "单位", "上年数（已审核）", "本年数", "说明"])
        self.assertEqual(form["A5"].value, "一、基地建设运营")
        self.assertEqual(workbook.active.title, "填报表")
        self.assertTrue(AuditEvent.objects.filter(event="download_fill_in_workbook",
                                                  actor=self.alice).exists())

    def test_one_row_per_indicator_with_codes_hidden_and_figures_filled_in(self):
        form = self.download()["填报表"]
        rows = self.rows_by_code(form)
        self.assertEqual(set(rows), {i.code for i in indicators.CATALOG})
        self.assertTrue(form.column_dimensions["G"].hidden)
        (form_base, form_year) = form["G1"].value, form["G2"].value
        self.assertEqual((form_base, form_year), ("A001", 2018))
        area = rows["building_area"]
        self.assertEqual([form[f"{c}{area}"].value for c in "BCE"],
                         ["建筑面积", "平方米", 1234.56])
        self.assertEqual(form[f"E{area}"].number_format, "#,##0.00")
        staff = rows["service_staff"]
        self.assertEqual((form[f"D{staff}"].value, form[f"E{staff}"].value), (11, 12))
        self.assertEqual(form[f"E{rows['offers_rent_reduction']}"].value, "是")
        self.assertEqual(form[f"E{rows['platform_interconnected']}"].value, "否")
        self.assertEqual(form[f"E{rows['patents']}"].value, 8)  # 2 + 5 + 1, computed

    def test_only_the_figures_and_notes_are_open_in_a_protected_sheet(self):
        form = self.download()["填报表"]
        rows = self.rows_by_code(form)
        self.assertTrue(form.protection.sheet)
        self.assertFalse(form.protection.password)
        area, patents = rows["building_area"], rows["patents"]
        self.assertFalse(form[f"E{area}"].protection.locked)
        self.assertFalse(form[f"F{area}"].protection.locked)
        for cell in (f"A{area}", f"B{area}", f"C{area}", f"D{area}", f"G{area}", "A1",
                     f"E{patents}"):
            self.assertTrue(form[cell].protection.locked, cell)

    def test_every_entered_figure_has_the_catalogs_validation(self):
        form = self.download()["填报表"]
        rows = self.rows_by_code(form)
        by_cell = {str(v.sqref): v for v in form.data_validations.dataValidation}
        self.assertEqual(len(by_cell), len(indicators.ENTERED))
        self.assertNotIn(f"E{rows['patents']}", by_cell)
        staff = by_cell[f"E{rows['service_staff']}"]
        self.assertEqual((staff.type, staff.formula1), ("whole", "0"))
        self.assertIn("单位：人", staff.prompt)
        area = by_cell[f"E{rows['building_area']}"]
        self.assertEqual(area.type, "decimal")
        self.assertIn("最多2位小数", area.prompt)
        profit = by_cell[f"E{rows['ent_profit']}"]
        self.assertTrue(profit.formula1.startswith("-"))
        platform = by_cell[f"E{rows['has_service_platform']}"]
        self.assertEqual((platform.type, platform.formula1), ("list", '"是,否"'))
        self.assertIn("不大于“建筑面积”", by_cell[f"E{rows['standard_factory_area']}"].prompt)

    def test_prints_on_a4_portrait_fit_to_width_with_the_header_repeated(self):
        form = self.download()["填报表"]
        setup = form.page_setup
        self.assertEqual((setup.paperSize, setup.orientation), (9, "portrait"))
        self.assertEqual((setup.fitToWidth, setup.fitToHeight), (1, 2))
        self.assertEqual(form.print_title_rows, "$4:$4")
        self.assertIn("第 &P 页", form.oddFooter.right.text)

    def test_report_page_offers_the_fill_in_workbook_first(self):
        self.login(self.alice)
        page = self.client.get(URL).content.decode()
        fill_in = page.index('href="/bases/A001/reports/2018/fill-in.xlsx"')
        self.assertLess(fill_in, page.index('href="/bases/A001/reports/2018/workbook.xlsx"'))

    def test_outsiders_get_404_and_an_unopened_year_too(self):
        for user in (self.bob, self.charlie, self.sam, self.audrey):
            self.login(user)
            self.assertEqual(self.client.get(URL + "fill-in.xlsx").status_code, 404,
                             user.username)
        self.login(self.alice)
        self.assertEqual(self.client.get("/bases/A001/reports/2031/fill-in.xlsx").status_code,
                         404)
        self.download(self.carol)  # a reader in scope may print it


class FillInUploadTests(FillInTestCase):
    def test_filled_like_a_person_reads_back_exactly_into_the_draft(self):
        workbook = self.download()
        form = workbook["填报表"]
        rows = self.rows_by_code(form)
        typed = {"building_area": "12,345.60", "standard_factory_area": 9000,
                 "service_staff": "１２０", "ent_profit": "-1,234.5",
                 "has_service_platform": "否", "platform_interconnected": "否",
                 "offers_rent_reduction": "是", "avg_rent": None, "employees": 950.0}
        for code, value in typed.items():
            form[f"E{rows[code]}"] = value
        form[f"F{rows['building_area']}"] = "含新建孵化楼"  # the officer's own note
        form[f"E{rows['patents']}"] = 999  # derived: never read back
        response = self.upload(workbook)
        self.assertContains(response, "已从上传的工作簿读入数据并保存为草稿")
        report = Report.objects.get(pk=self.report.pk)
        self.assertEqual((report.status, report.version),
                         (Status.DRAFT, self.report.version + 1))
        expected = {code: value for code, value in full_values(
            building_area=Decimal("12345.60"), standard_factory_area=Decimal("9000.00"),
            service_staff=120, ent_profit=Decimal("-1234.50"), has_service_platform=False,
            offers_rent_reduction=True, avg_rent=None, employees=950).items()
            if value is not None}
        self.assertEqual(report.value_map(), expected)

    def test_wrong_cells_are_named_by_label_and_column_and_nothing_is_saved(self):
        workbook = self.download()
        form = workbook["填报表"]
        rows = self.rows_by_code(form)
        form[f"E{rows['building_area']}"] = "一千"
        form[f"E{rows['service_staff']}"] = 1.5
        form[f"E{rows['has_service_platform']}"] = "有"
        form[f"E{rows['employees']}"] = -3
        response = self.upload(workbook)
        for code, message in (("building_area", "必须是数字"), ("service_staff", "必须是整数"),
                              ("has_service_platform", "请填写“是”或“否”"),
                              ("employees", "不能小于0")):
            label = indicators.BY_CODE[code].label
            self.assertContains(response,
                                f"工作表“填报表”第{rows[code]}行 E列（{label}）：{message}")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)
        self.assertTrue(AuditEvent.objects.filter(event="upload_report_workbook",
                                                  outcome="rejected").exists())

    def test_a_formula_without_a_value_is_named_like_any_wrong_cell(self):
        workbook = self.download()
        form = workbook["填报表"]
        row = self.rows_by_code(form)["employees"]
        form[f"E{row}"] = "=SUM(1,2)"  # openpyxl stores the formula, never its result
        response = self.upload(workbook)
        self.assertContains(response, f"工作表“填报表”第{row}行 E列（就业人数）：单元格含公式")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_another_bases_form_or_year_is_refused(self):
        services.save_draft(base=self.base_b, year=2018, actor=self.bob, values={},
                            version=None)
        other = self.download(self.bob, "/bases/B001/reports/2018/fill-in.xlsx")
        self.login(self.alice)
        response = self.upload(other)
        self.assertContains(response, "只能上传本基地（A001）的填报表")
        workbook = self.download()
        workbook["填报表"]["G2"] = 2017
        self.assertContains(self.upload(workbook), "只能上传2018年度的填报表")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_tampered_codes_are_refused(self):
        workbook = self.download()
        form = workbook["填报表"]
        form[f"G{self.rows_by_code(form)['employees']}"] = "building_area"
        response = self.upload(workbook)
        self.assertContains(response, "隐藏列中的指标代码被改动")
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_a_blank_form_for_an_unstarted_report_uploads_into_a_new_draft(self):
        workbook = self.download(self.bob, "/bases/B001/reports/2018/fill-in.xlsx")
        form = workbook["填报表"]
        form[f"E{self.rows_by_code(form)['employees']}"] = "77"
        out = io.BytesIO()
        workbook.save(out)
        response = self.client.post("/bases/B001/reports/2018/upload/", {
            "file": SimpleUploadedFile("b.xlsx", out.getvalue()), "version": ""}, follow=True)
        self.assertContains(response, "保存为草稿")
        report = Report.objects.get(base=self.base_b, year=2018)
        self.assertEqual(report.value_map(), {"employees": 77})
