"""The data workbook's two header rows (Chinese labels with units, then codes), the import of
code headers, Chinese headers or both, and the blank template 数据导入模板."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from reporting import indicators
from reporting.models import Report
from reporting.workbook.data import read_data_workbook, report_header_label
from reporting.workbook.importer import import_data_workbook
from tests.workbook.helpers import (
    BASE_HEADER,
    CODES,
    REPORT_HEADER,
    WorkbookTestCase,
    full_values,
    report_row,
)

LABELS = ["基地编码", "年度", *[indicators.BY_CODE[code].label_with_unit for code in CODES]]
BASE_LABELS = ["基地编码", "基地名称", "市州", "县市区", "认定批次"]


class HeaderRowTests(WorkbookTestCase):
    def test_export_has_labels_with_units_above_codes_frozen_and_fitted(self):
        self.make_report(self.base_a, 2017, full_values())
        sheet = load_workbook(self.export(2017))["reports"]
        self.assertEqual([c.value for c in sheet[1]], LABELS)
        self.assertEqual([c.value for c in sheet[2]], REPORT_HEADER)
        self.assertEqual(report_header_label("building_area"), "建筑面积（平方米）")
        self.assertTrue(sheet["C1"].font.b)
        self.assertEqual(sheet.freeze_panes, "C3")
        self.assertGreaterEqual(sheet.column_dimensions["C"].width, 14)
        bases = load_workbook(self.export(2017))["bases"]
        self.assertEqual([c.value for c in bases[1]], BASE_LABELS)
        self.assertEqual(bases.freeze_panes, "B3")

    def test_chinese_headers_alone_import_as_codes_do(self):
        values = full_values()
        path = self.write_book("chinese.xlsx", base_header=BASE_LABELS, report_header=LABELS,
                               bases=[["Z001", "新基地", "长沙市", "", 1]],
                               reports=[report_row("Z001", 2017, values)])
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertTrue(result.ok, list(result.errors))
        report = Report.objects.get(base__code="Z001", year=2017)
        self.assertEqual(report.value_map(), {k: v for k, v in values.items() if v is not None})

    def test_both_header_rows_import_and_errors_count_rows_from_the_data(self):
        values = full_values(service_staff="十二")
        path = self.write_book("both.xlsx", base_header=BASE_LABELS, report_header=LABELS,
                               bases=[BASE_HEADER, ["Z001", "新基地", "长沙市", "", 1]],
                               reports=[REPORT_HEADER, report_row("Z001", 2017, values)])
        book = read_data_workbook(path)
        self.assertEqual(len(book.reports), 1)
        self.assertEqual([(e.row, e.column, e.field) for e in book.errors],
                         [(3, "G", "服务人员数量")])
        self.assertEqual(book.bases[0].row, 3)

    def test_a_code_row_may_name_what_the_label_row_leaves_out(self):
        labels = [*LABELS[:2], "（我们的备注）", *LABELS[3:]]
        path = self.write_book("partial.xlsx", report_header=labels,
                               reports=[REPORT_HEADER, report_row("A001", 2017, full_values())])
        book = read_data_workbook(path)
        self.assertEqual(list(book.errors), [])
        self.assertIn(CODES[0], book.report_columns)

    def test_header_rows_that_disagree_are_named(self):
        labels = list(LABELS)
        labels[2] = "服务人员数量（人）"  # above building_area
        path = self.write_book("mixed.xlsx", report_header=labels,
                               reports=[REPORT_HEADER, report_row("A001", 2017, full_values())])
        errors = list(read_data_workbook(path).errors)
        self.assertTrue(any(e.row == 2 and e.column == "C" and "不是同一项" in e.message
                            for e in errors), errors)
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertFalse(result.ok)
        self.assertFalse(Report.objects.filter(base__code="A001", year=2017).exists())

    def test_reimporting_an_export_with_two_header_rows_changes_nothing(self):
        self.make_report(self.base_a, 2017, full_values())
        before = self.snapshot_db()
        result = import_data_workbook(file=self.export(2017), actor=self.pat)
        self.assertTrue(result.ok, list(result.errors))
        self.assertEqual(result.reports_unchanged, 1)
        self.assertEqual(self.snapshot_db(), before)


class ImportTemplateTests(WorkbookTestCase):
    def test_template_lists_the_registered_bases_and_no_reports(self):
        self.login(self.pat)
        page = self.client.get("/data/import/")
        self.assertContains(page, 'href="/data/import/template.xlsx"')
        response = self.client.get("/data/import/template.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("filename*=utf-8''%E6%95%B0%E6%8D%AE%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF",
                      response["Content-Disposition"])
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        bases = [[c.value for c in row] for row in workbook["bases"].iter_rows(min_row=3)]
        self.assertEqual([row[0] for row in bases], ["A001", "B001"])
        reports = workbook["reports"]
        self.assertEqual(reports.max_row, 2)
        self.assertEqual([c.value for c in reports[2]], REPORT_HEADER)

    def test_only_the_province_may_download_it(self):
        for user in (self.alice, self.carol, self.sam, self.audrey):
            self.login(user)
            self.assertIn(self.client.get("/data/import/template.xlsx").status_code,
                          (403, 404), user.username)
