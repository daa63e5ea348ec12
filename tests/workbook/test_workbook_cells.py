"""The data workbook's cells (SPEC section 6): bad cells named by sheet, row and column, text
cells, and the typed value read from each kind of cell.
"""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from bases.models import Base
from reporting import indicators
from reporting.models import Report, Status
from reporting.workbook.data import read_data_workbook
from reporting.workbook.importer import import_data_workbook
from tests import hostile
from tests.workbook.helpers import (
    BASE_HEADER,
    REPORT_HEADER,
    WorkbookTestCase,
    column,
    full_values,
    report_row,
)

EXPONENT_MESSAGE = "不支持科学计数法（如 1e5），请写出完整的数字"


class BadCellTests(WorkbookTestCase):
    """Each bad cell is refused with its position, and nothing at all is saved."""

    def assert_refused(self, rows: list[list[object]], *expected: str,
                       bases: list[list[object]] | None = None,
                       report_header: list[object] | None = None) -> None:
        valid = report_row("B001", 2017, full_values())
        path = self.write_book("bad.xlsx", reports=[*rows, valid], bases=bases,
                               report_header=report_header)
        before = self.snapshot_db()
        result = import_data_workbook(file=path, actor=self.pat)
        messages = [str(error) for error in result.errors]
        self.assertFalse(result.ok)
        for text in expected:
            self.assertIn(text, messages)
        self.assertEqual(self.snapshot_db(), before)
        self.assertEqual(Report.objects.count(), 0)

    def test_negative_value(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(building_area=-1))],
            f"工作表“reports”第2行 {column('building_area')}列（建筑面积）：不能小于0")

    def test_part_above_its_whole(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(service_revenue=900))],
            f"工作表“reports”第2行 {column('service_revenue')}列（其中：服务收入）："
            "不能大于“运营单位营业收入”（800.00）")

    def test_text_in_a_number(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(employees="很多"))],
            f"工作表“reports”第2行 {column('employees')}列（就业人数）：必须是数字")

    def test_misplaced_thousands_separators_in_a_text_cell(self):
        # Issue 16.5: "1,2,3" is never read as 123, here as on the form and in the API.
        self.assert_refused(
            [report_row("A001", 2017, full_values(employees="1,2,3"))],
            f"工作表“reports”第2行 {column('employees')}列（就业人数）："
            "千位分隔符位置不正确：应每三位一个，如 1,234,567.50")

    def test_unknown_base(self):
        self.assert_refused(
            [report_row("Z999", 2017, full_values())],
            "工作表“reports”第2行 A列（基地编码）：未知的基地编码“Z999”"
            "（数据库和“bases”工作表中都没有）")

    def test_too_many_decimals(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(building_area=1.234))],
            f"工作表“reports”第2行 {column('building_area')}列（建筑面积）：最多保留2位小数")

    def test_fractional_count(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(service_staff=2.5))],
            f"工作表“reports”第2行 {column('service_staff')}列（服务人员数量）：必须是整数")

    def test_bad_year(self):
        self.assert_refused(
            [report_row("A001", 1999, full_values()), report_row("A001", "明年", full_values())],
            "工作表“reports”第2行 B列（年度）：必须是2000至2100之间的年份",
            "工作表“reports”第3行 B列（年度）：必须是2000至2100之间的年份")

    def test_unknown_header(self):
        letter = get_column_letter(len(REPORT_HEADER) + 1)
        self.assert_refused(
            [[*report_row("A001", 2017, full_values()), "x"]],
            f"工作表“reports”第1行 {letter}列（注释）：未知的列标题",
            report_header=[*REPORT_HEADER, "注释"])

    def test_missing_required_value_and_the_other_hard_rules(self):
        rows = [report_row("A001", 2017, full_values(
            building_area=None, platform_interconnected=True, has_service_platform=False,
            svc_info_sessions=0, svc_info_enterprises=3))]
        self.assert_refused(
            rows,
            f"工作表“reports”第2行 {column('building_area')}列（建筑面积）：必填",
            f"工作表“reports”第2行 {column('platform_interconnected')}列"
            "（公共服务平台已与省平台互联互通）：只有“已建立基地公共服务平台”为“是”时才能填“是”",
            f"工作表“reports”第2行 {column('svc_info_enterprises')}列（信息服务 服务企业家次）："
            "信息服务开展服务活动场次为0时，服务企业家次也应为0")

    def test_bad_boolean_and_duplicate_row(self):
        self.assert_refused(
            [report_row("A001", 2017, full_values(offers_rent_reduction="也许")),
             report_row("A001", 2017, full_values())],
            f"工作表“reports”第2行 {column('offers_rent_reduction')}列"
            "（对入驻企业实行租金减免等优惠政策）：请填写“是”或“否”",
            "工作表“reports”第3行 B列（年度）：与第2行重复（同一基地同一年度只能有一行）")

    def test_bad_bases_rows(self):
        self.assert_refused(
            [], "工作表“bases”第2行 C列（市州）：“火星市”不是湖南省的市州名称",
            "工作表“bases”第3行 E列（认定批次）：必须是1至99之间的整数",
            "工作表“bases”第4行 A列（基地编码）：必填",
            "工作表“bases”第5行 A列（基地编码）：基地编码与第2行重复",
            bases=[["N001", "新基地", "火星市", "", 1], ["N002", "新基地2", "长沙市", "", 0],
                   [None, "无编码", "长沙市", "", 1], ["N001", "重复", "长沙市", "", 1]])

    def test_missing_reports_sheet(self):
        workbook = Workbook()
        workbook.active.title = "Sheet1"
        path = self.tmp / "nosheet.xlsx"
        workbook.save(path)
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertFalse(result.ok)
        self.assertIn("缺少工作表“reports”", str(result.errors[0]))

    def test_command_prints_every_error_and_exits_non_zero(self):
        path = self.write_book("cmd.xlsx", reports=[
            report_row("A001", 2017, full_values(building_area=-1)),
            report_row("Z999", 2017, full_values())])
        stderr = io.StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("import_workbook", str(path), stdout=io.StringIO(), stderr=stderr)
        self.assertIn("未导入任何数据", str(raised.exception))
        output = stderr.getvalue()
        self.assertIn(f"工作表“reports”第2行 {column('building_area')}列（建筑面积）：不能小于0",
                      output)
        self.assertIn("工作表“reports”第3行 A列（基地编码）：未知的基地编码“Z999”", output)
        self.assertEqual(Report.objects.count(), 0)

    def test_command_imports_with_status_and_actor(self):
        path = self.write_book("ok.xlsx", reports=[report_row("A001", 2017, full_values())])
        stdout = io.StringIO()
        call_command("import_workbook", str(path), "--dry-run", stdout=stdout)
        self.assertIn("预检", stdout.getvalue())
        self.assertEqual(Report.objects.count(), 0)
        call_command("import_workbook", str(path), "--status", "submitted", "--actor", "pat",
                     stdout=stdout)
        report = Report.objects.get()
        self.assertEqual(report.status, Status.SUBMITTED)
        self.assertEqual(report.transitions.get().comment, "由pat导入")


class TextCellTests(WorkbookTestCase):
    def test_formula_looking_text_is_written_as_text_without_control_characters(self):
        Base.objects.create(code="F001", name='=HYPERLINK("http://evil.example","点我")',
                            city=self.changsha, county="+1+1", batch=1)
        Base.objects.create(code="F002", name="@SUM(1)", city=self.changsha, county="-2",
                            batch=1)
        Base.objects.create(code="F003", name="响铃\x07基地\x1b", city=self.changsha,
                            county="#N/A", batch=1)
        path = self.export(2017)
        sheet = load_workbook(path)["bases"]
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
        # The apostrophe keeps them text in a CSV re-save too (portal/spreadsheet.py).
        self.assertEqual(rows["F001"][1].value, '\'=HYPERLINK("http://evil.example","点我")')
        self.assertEqual(rows["F001"][3].value, "'+1+1")
        self.assertEqual(rows["F002"][1].value, "'@SUM(1)")
        self.assertEqual(rows["F002"][3].value, "'-2")
        self.assertEqual(rows["F003"][1].value, "响铃基地")
        self.assertEqual(rows["F003"][3].value, "#N/A")
        for row in rows.values():
            for cell in row[:4]:
                self.assertEqual(cell.data_type, "s", cell.coordinate)
        # The raw XML holds no formula at all.
        with zipfile.ZipFile(path) as archive:
            xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets" in n)
        self.assertNotIn(b"<f>", xml)


def raw_header(keys: list[str]) -> str:
    cells = "".join(f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>{key}</t></is></c>'
                    for i, key in enumerate(keys, 1))
    return f'<row r="1">{cells}</row>'


def raw_report_sheet(**cells: str) -> str:
    """sheetData of a reports sheet: the header, then an A001/2017 row of full_values()
    with the given codes' cells written as raw XML (`<c ...>` without the r attribute)."""
    row = [f'<c r="A2" t="inlineStr"><is><t>{cells.pop("base_code", "A001")}</t></is></c>',
           '<c r="B2"><v>2017</v></c>']
    for code, value in full_values().items():
        ref = f"{column(code)}2"
        if code in cells:
            xml = cells.pop(code)
            row.append(xml.replace("<c", f'<c r="{ref}"', 1))
        elif isinstance(value, bool):
            row.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
        elif value is not None:
            row.append(f'<c r="{ref}"><v>{value}</v></c>')
    assert not cells, cells
    return f'{raw_header(REPORT_HEADER)}<row r="2">{"".join(row)}</row>'


class CellValueTests(WorkbookTestCase):
    """Issue 14 items 9 and 14: odd cell values are errors naming their cell."""

    def read(self, **cells: str) -> list[str]:
        data = hostile.workbook({"reports": raw_report_sheet(**cells)})
        path = self.tmp / "cells.xlsx"
        path.write_bytes(data)
        before = self.snapshot_db()
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertFalse(result.ok)
        self.assertEqual(self.snapshot_db(), before)
        return [str(error) for error in result.errors]

    def at(self, code: str, message: str) -> str:
        return (f"工作表“reports”第2行 {column(code)}列（{indicators.BY_CODE[code].label}）："
                f"{message}")

    def test_huge_exponents_name_the_cell_instead_of_a_corrupt_file(self):
        errors = self.read(
            building_area='<c t="inlineStr"><is><t>9e999999999</t></is></c>',
            employees="<c><v>9e999999999</v></c>",
            service_staff='<c t="inlineStr"><is><t>-9e999999999</t></is></c>')
        # Typed as text, the form's rule (and message) applies; as a number cell it overflows.
        self.assertEqual(errors, [self.at("building_area", EXPONENT_MESSAGE),
                                  self.at("service_staff", EXPONENT_MESSAGE),
                                  self.at("employees", "数值过大")])

    def test_nan_inf_and_numbers_beyond_the_stored_digits(self):
        errors = self.read(building_area="<c><v>NaN</v></c>",
                           standard_factory_area='<c t="inlineStr"><is><t>inf</t></is></c>',
                           operator_revenue="<c><v>123456789012345</v></c>",
                           employees='<c t="inlineStr"><is><t>1e15</t></is></c>')
        self.assertEqual(errors, [self.at("building_area", "必须是数字"),
                                  self.at("standard_factory_area", "必须是数字"),
                                  self.at("operator_revenue", "数值过大"),
                                  self.at("employees", EXPONENT_MESSAGE)])

    def test_a_year_with_a_huge_exponent_is_a_bad_year(self):
        sheet = raw_report_sheet().replace('<c r="B2"><v>2017</v></c>',
                                           '<c r="B2" t="inlineStr"><is><t>9e999999999</t></is>'
                                           "</c>")
        book = read_data_workbook(io.BytesIO(hostile.workbook({"reports": sheet})))
        self.assertEqual([str(e) for e in book.errors],
                         ["工作表“reports”第2行 B列（年度）：必须是2000至2100之间的年份"])

    def test_nul_in_text_cells_names_the_cell(self):
        bases = (raw_header(BASE_HEADER) + '<row r="2"><c r="A2" t="inlineStr"><is><t>N001'
                 '</t></is></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>'
                 '长沙市</t></is></c><c r="E2"><v>1</v></c></row>')
        data = hostile.workbook({"bases": bases, "reports": raw_report_sheet(
            base_code="A0_x0000_01")}, shared_strings=["新_x0000_基地"])
        path = self.tmp / "nul.xlsx"
        path.write_bytes(data)
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertEqual([str(e) for e in result.errors], [
            "工作表“bases”第2行 B列（基地名称）：含有不可见的控制字符（如 NUL），请删除后再上传",
            "工作表“reports”第2行 A列（基地编码）：含有不可见的控制字符（如 NUL），请删除后再上传"])
        self.assertFalse(Base.objects.filter(code="N001").exists())
        self.assertEqual(Report.objects.count(), 0)

    def test_a_formula_without_a_cached_value_names_the_cell(self):
        path = self.write_book("formula.xlsx", reports=[
            report_row("A001", 2017, full_values(employees="=SUM(B2,1)"))])
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertEqual([str(e) for e in result.errors], [self.at(
            "employees", "单元格含公式但没有计算结果（文件可能由程序生成，从未在 Excel 中计算过），"
                         "请在 Excel 中打开并保存后再上传")])
        self.assertEqual(Report.objects.count(), 0)

    def test_formulas_with_their_cached_values_are_read_as_those_values(self):
        sheet = raw_report_sheet(employees="<c><f>SUM(G2,1)</f><v>13</v></c>",
                                 maker_contest_entries='<c t="str"><f>""</f><v></v></c>')
        book = read_data_workbook(io.BytesIO(hostile.workbook({"reports": sheet})))
        self.assertEqual(book.errors, [])
        self.assertEqual(book.reports[0].values,
                         full_values(employees=13, maker_contest_entries=None))

    def test_an_error_value_names_the_cell(self):
        errors = self.read(employees='<c t="e"><f>1/0</f><v>#DIV/0!</v></c>')
        self.assertEqual(errors, [self.at("employees",
                                          "单元格是 Excel 错误值（#DIV/0!），请改正后再上传")])

    def test_errors_past_two_hundred_are_counted_not_listed(self):
        rows = [report_row("A001", year, full_values(employees="很多"))
                for year in range(2000, 2100)]
        rows += [report_row("B001", year, full_values(employees="很多"))
                 for year in range(2000, 2100)]
        rows += [report_row("Z999", 2000 + i, full_values()) for i in range(50)]
        path = self.write_book("many-errors.xlsx", reports=rows)
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertEqual(len(result.errors), 200)
        self.assertEqual(result.errors.total, 250)
        self.assertEqual(result.summary(), "发现 250 个错误，未导入任何数据。")
        self.login(self.pat)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("many-errors.xlsx", path.read_bytes()),
            "status": "approved"})
        self.assertContains(response, "错误（250 处，须全部改正后才能导入；下面列出前 200 处）")
        self.assertEqual(Report.objects.count(), 0)
