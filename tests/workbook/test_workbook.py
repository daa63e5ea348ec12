"""The data workbook (SPEC section 6): export, import, the officer's upload, the upload guard.

Real files are written and read back with openpyxl, pages are requested over HTTP through
the test client, and the commands run through call_command. Nothing is mocked.
"""

from __future__ import annotations

import copy
import io
import shutil
import tempfile
import threading
import tracemalloc
import unittest
import zipfile
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from bases.models import AuditEvent, Base, City, Role, User
from reporting import indicators
from reporting.filing import checks, services
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition
from reporting.workbook.data import (
    WorkbookError,
    check_upload,
    read_data_workbook,
    write_data_workbook,
)
from reporting.workbook.importer import import_data_workbook
from reporting.workbook.views import PENDING_KEY
from tests import hostile
from tests.base import BaseTestCase, sign_in

EXPONENT_MESSAGE = "不支持科学计数法（如 1e5），请写出完整的数字"

CODES = indicators.ENTERED_CODES
BASE_HEADER = ["code", "name", "city", "county", "batch"]
REPORT_HEADER = ["base_code", "year", *CODES]


def column(code: str) -> str:
    """The column letter of an indicator in a workbook written with REPORT_HEADER."""
    return get_column_letter(REPORT_HEADER.index(code) + 1)


def full_values(**overrides: Value | None) -> dict[str, Value | None]:
    """A complete report that passes every hard check."""
    values: dict[str, Value | None] = {
        "building_area": Decimal("1234.56"),
        "standard_factory_area": Decimal("1000.00"),
        "avg_rent": Decimal("25.50"),
        "avg_sale_price": None,
        "service_staff": 12,
        "certified_mentors": 3,
        "operator_total_assets": Decimal("5000.00"),
        "operator_revenue": Decimal("800.00"),
        "service_revenue": Decimal("300.00"),
        "service_expenditure": Decimal("120.00"),
        "third_party_institutions": 4,
        "resident_enterprises": 60,
        "small_micro_enterprises": 50,
        "offers_rent_reduction": True,
        "has_service_platform": True,
        "platform_interconnected": False,
        "reporting_enterprises": 40,
        "high_tech_enterprises": 5,
        "employees": 900,
        "ent_total_assets": Decimal("30000.00"),
        "ent_revenue": Decimal("25000.00"),
        "ent_profit": Decimal("-120.75"),
        "ent_tax": Decimal("310.10"),
        "trademarks": 10,
        "software_copyrights": 8,
        "invention_patents": 2,
        "utility_model_patents": 5,
        "design_patents": 1,
        "tech_centers": 1,
        "engineering_research_centers": 0,
        "engineering_labs": 0,
        "postdoc_stations": 0,
        "cloud_enterprises": None,
        "maker_contest_entries": 2,
    }
    for category in indicators.SERVICE_CATEGORIES:
        values[category.sessions_code] = 5
        values[category.enterprises_code] = 40
    values.update(overrides)
    assert set(values) == set(CODES)
    return values


def report_row(base_code: str, year: object, values: dict[str, object]) -> list[object]:
    return [base_code, year, *[values.get(code) for code in CODES]]


class WorkbookTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="wb-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def make_report(self, base: Base, year: int, values: dict[str, Value | None],
                    status: str = Status.APPROVED) -> Report:
        report = Report.objects.create(base=base, year=year, status=status)
        services.write_values(report, values)
        return report

    def write_book(self, name: str, *, reports: list[list[object]],
                   bases: list[list[object]] | None = None,
                   report_header: list[object] | None = None,
                   base_header: list[object] | None = None) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "bases"
        sheet.append(base_header or BASE_HEADER)
        for row in bases or []:
            sheet.append(row)
        sheet = workbook.create_sheet("reports")
        sheet.append(report_header or REPORT_HEADER)
        for row in reports:
            sheet.append(row)
        path = self.tmp / name
        workbook.save(path)
        return path

    def export(self, year: int, status: str = "approved") -> Path:
        path = self.tmp / f"export-{year}.xlsx"
        call_command("export_workbook", "--year", str(year), "-o", str(path),
                     "--status", status, stdout=io.StringIO())
        return path

    def snapshot_db(self) -> tuple:
        return (
            list(Base.objects.order_by("code").values_list("code", "name", "city_id", "county",
                                                           "batch")),
            list(Report.objects.order_by("pk").values_list("pk", "status", "version")),
            sorted(ReportValue.objects.values_list("report_id", "code", "value")),
            Transition.objects.count(),
        )


class ExportImportRoundTripTests(WorkbookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.values_a = full_values()
        self.values_b = full_values(building_area=Decimal("99999.99"),
                                    standard_factory_area=Decimal("0.01"),
                                    offers_rent_reduction=False, has_service_platform=False,
                                    ent_profit=Decimal("0.00"), avg_rent=None,
                                    maker_contest_entries=None)
        self.make_report(self.base_a, 2017, self.values_a)
        self.make_report(self.base_b, 2017, self.values_b)

    def test_catalog_fixture_passes_every_hard_check(self):
        self.assertEqual(checks.hard_errors(self.values_a), {})
        self.assertEqual(checks.hard_errors(self.values_b), {})

    def test_exported_cells_are_typed_numbers_booleans_and_blanks(self):
        path = self.export(2017)
        workbook = load_workbook(path)
        self.assertEqual(workbook.sheetnames, ["bases", "reports"])
        bases = workbook["bases"]
        self.assertEqual([c.value for c in bases[1]], BASE_HEADER)
        self.assertEqual([c.value for c in bases[2]],
                         ["A001", "长沙科技新城", "长沙市", "岳麓区", 1])
        sheet = workbook["reports"]
        self.assertEqual([c.value for c in sheet[1]], REPORT_HEADER)
        self.assertNotIn("patents", REPORT_HEADER)
        row = {code: sheet[f"{column(code)}2"] for code in CODES}
        self.assertEqual(sheet["A2"].value, "A001")
        self.assertEqual(sheet["B2"].value, 2017)
        self.assertEqual(row["building_area"].data_type, "n")
        self.assertEqual(Decimal(repr(row["building_area"].value)), Decimal("1234.56"))
        self.assertEqual(Decimal(repr(row["ent_profit"].value)), Decimal("-120.75"))
        self.assertEqual(row["service_staff"].value, 12)
        self.assertIs(row["offers_rent_reduction"].value, True)
        self.assertEqual(row["offers_rent_reduction"].data_type, "b")
        self.assertIs(row["platform_interconnected"].value, False)
        self.assertIsNone(row["avg_sale_price"].value)
        self.assertIsNone(row["cloud_enterprises"].value)
        # Each sheet declares its size up front, so read-only loads need not scan it twice.
        streamed = load_workbook(path, read_only=True)
        self.assertEqual(streamed["reports"].calculate_dimension(),
                         f"A1:{get_column_letter(len(REPORT_HEADER))}3")
        self.assertEqual(streamed["bases"].calculate_dimension(), "A1:E3")
        streamed.close()

    def test_reimporting_the_export_changes_nothing(self):
        path = self.export(2017)
        before = self.snapshot_db()
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.bases_created, result.bases_updated, result.bases_unchanged),
                         (0, 0, 2))
        self.assertEqual((result.reports_created, result.reports_updated,
                          result.reports_unchanged), (0, 0, 2))
        self.assertEqual(self.snapshot_db(), before)

    def test_export_then_import_into_an_empty_year_is_lossless(self):
        path = self.export(2017)
        Report.objects.all().delete()
        result = import_data_workbook(file=path, actor=None)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(result.reports_created, 2)
        for base, values in ((self.base_a, self.values_a), (self.base_b, self.values_b)):
            report = Report.objects.get(base=base, year=2017)
            self.assertEqual(report.status, Status.APPROVED)
            self.assertIsNotNone(report.approved_at)
            stored = report.value_map()
            expected = {code: value for code, value in values.items() if value is not None}
            self.assertEqual(stored, expected)
            self.assertEqual({c: str(v) for c, v in stored.items()},
                             {c: str(v) for c, v in expected.items()})
            transition = report.transitions.get()
            self.assertEqual(transition.action, Transition.Action.IMPORT)
            self.assertEqual(transition.comment, "由命令行导入")
            self.assertEqual(transition.snapshot, services.snapshot(values))
        self.assertEqual(Report.objects.get(base=self.base_a).value_map()["building_area"],
                         Decimal("1234.56"))
        self.assertEqual(str(Report.objects.get(base=self.base_a).value_map()["ent_profit"]),
                         "-120.75")
        # And a second import of the same file is a no-op.
        again = import_data_workbook(file=path, actor=None)
        self.assertEqual((again.reports_created, again.reports_updated,
                          again.reports_unchanged), (0, 0, 2))

    def test_reading_the_export_gives_the_exact_typed_values(self):
        book = read_data_workbook(self.export(2017))
        self.assertEqual(book.errors, [])
        self.assertEqual([(r.base_code, r.year) for r in book.reports],
                         [("A001", 2017), ("B001", 2017)])
        self.assertEqual(book.reports[0].values, self.values_a)
        self.assertEqual(book.reports[1].values, self.values_b)
        self.assertIsInstance(book.reports[0].values["building_area"], Decimal)
        self.assertIs(book.reports[1].values["has_service_platform"], False)

    def test_changed_report_is_updated_with_version_and_import_transition(self):
        path = self.export(2017)
        workbook = load_workbook(path)
        workbook["reports"][f"{column('employees')}2"] = 901
        workbook.save(path)
        report = Report.objects.get(base=self.base_a, year=2017)
        version = report.version
        result = import_data_workbook(file=path, actor=self.pat, status=Status.SUBMITTED)
        self.assertTrue(result.ok, result.errors)
        # A001 changed values, B001 changed status (approved -> submitted).
        self.assertEqual((result.reports_updated, result.reports_unchanged), (2, 0))
        report.refresh_from_db()
        self.assertEqual(report.status, Status.SUBMITTED)
        self.assertEqual(report.version, version + 1)
        self.assertIsNone(report.approved_at)
        self.assertEqual(report.value_map()["employees"], 901)
        transition = report.transitions.get(action=Transition.Action.IMPORT)
        self.assertEqual((transition.from_status, transition.to_status, transition.actor),
                         (Status.APPROVED, Status.SUBMITTED, self.pat))
        self.assertEqual(transition.comment, "由pat导入")
        self.assertEqual(transition.snapshot["employees"], "901")
        self.assertEqual(transition.snapshot["has_service_platform"], "true")
        self.assertTrue(AuditEvent.objects.filter(event="import_workbook", actor=self.pat,
                                                  outcome="success").exists())

    def test_status_all_exports_drafts_too(self):
        self.make_report(self.base_a, 2018, {"building_area": Decimal("5")}, Status.DRAFT)
        self.assertEqual(len(read_data_workbook(self.export(2018)).reports), 0)
        book = read_data_workbook(self.export(2018, "all"))
        self.assertEqual([(r.base_code, r.year) for r in book.reports], [("A001", 2018)])


class ImportTests(WorkbookTestCase):
    def test_new_bases_and_reports_are_created_with_chinese_label_headers(self):
        base_header = ["基地编码", "基地名称", "市州", "县市区", "认定批次"]
        report_header = ["基地编码", "年度",
                         *[indicators.BY_CODE[code].label for code in CODES]]
        path = self.write_book(
            "labels.xlsx", base_header=base_header, report_header=report_header,
            bases=[["C001", "湘潭新基地", "湘潭市", "岳塘区", 3]],
            reports=[report_row("C001", 2017, full_values()),
                     report_row("A001", 2017, full_values())])
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertEqual((result.bases_created, result.reports_created), (1, 2))
        base = Base.objects.get(code="C001")
        self.assertEqual((base.name, base.city.name, base.county, base.batch),
                         ("湘潭新基地", "湘潭市", "岳塘区", 3))
        self.assertEqual(Report.objects.get(base=base, year=2017).value_map()["building_area"],
                         Decimal("1234.56"))

    def test_bases_are_updated(self):
        path = self.write_book("bases.xlsx", reports=[],
                               bases=[["A001", "长沙科技新城（新）", "长沙市", "岳麓区", 2],
                                      ["B001", "株洲创业园", "株洲市", "天元区", 2]])
        result = import_data_workbook(file=path, actor=self.pat)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.bases_created, result.bases_updated, result.bases_unchanged),
                         (0, 1, 1))
        self.base_a.refresh_from_db()
        self.assertEqual((self.base_a.name, self.base_a.batch), ("长沙科技新城（新）", 2))

    def test_booleans_accept_yes_no_and_one_zero(self):
        rows = [
            report_row("A001", 2017, full_values(offers_rent_reduction="是",
                                                 has_service_platform=1,
                                                 platform_interconnected="否")),
            report_row("B001", 2017, full_values(offers_rent_reduction=0,
                                                 has_service_platform="TRUE",
                                                 platform_interconnected="FALSE")),
        ]
        result = import_data_workbook(file=self.write_book("bools.xlsx", reports=rows),
                                      actor=self.pat)
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        a = Report.objects.get(base=self.base_a).value_map()
        b = Report.objects.get(base=self.base_b).value_map()
        self.assertEqual((a["offers_rent_reduction"], a["has_service_platform"],
                          a["platform_interconnected"]), (True, True, False))
        self.assertEqual((b["offers_rent_reduction"], b["has_service_platform"],
                          b["platform_interconnected"]), (False, True, False))

    def test_numbers_typed_as_text_are_accepted_exactly(self):
        rows = [report_row("A001", "2017", full_values(building_area="1,234.56",
                                                       service_staff="12"))]
        result = import_data_workbook(file=self.write_book("text.xlsx", reports=rows),
                                      actor=self.pat)
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertEqual(Report.objects.get(base=self.base_a).value_map()["building_area"],
                         Decimal("1234.56"))

    def test_soft_findings_are_listed_but_do_not_block(self):
        self.make_report(self.base_a, 2016, full_values(employees=100))
        rows = [report_row("A001", 2017, full_values(employees=900))]
        result = import_data_workbook(file=self.write_book("soft.xlsx", reports=rows),
                                      actor=self.pat)
        self.assertTrue(result.ok)
        self.assertEqual(result.reports_created, 1)
        found = [(code, year, f.kind, f.field) for code, year, f in result.findings]
        self.assertIn(("A001", 2017, "yoy_change", "employees"), found)

    def test_previous_year_from_the_same_workbook_feeds_soft_findings(self):
        rows = [report_row("A001", 2016, full_values(employees=100)),
                report_row("A001", 2017, full_values(employees=900))]
        result = import_data_workbook(file=self.write_book("two-years.xlsx", reports=rows),
                                      actor=self.pat, dry_run=True)
        self.assertTrue(result.ok)
        self.assertIn(("A001", 2017, "employees"),
                      [(c, y, f.field) for c, y, f in result.findings if f.kind == "yoy_change"])
        self.assertEqual(result.reports_created, 2)
        self.assertEqual(Report.objects.count(), 0)  # dry run saves nothing

    def test_import_queries_do_not_grow_with_the_number_of_reports(self):
        def run(prefix: str, n: int) -> int:
            bases = [[f"{prefix}{i:03}", f"基地{i}", "长沙市", "", 1] for i in range(n)]
            reports = [report_row(f"{prefix}{i:03}", year, full_values())
                       for i in range(n) for year in (2016, 2017)]
            path = self.write_book(f"{prefix}.xlsx", bases=bases, reports=reports)
            with CaptureQueriesContext(connection) as queries:
                result = import_data_workbook(file=path, actor=self.pat)
            self.assertTrue(result.ok)
            self.assertEqual(result.reports_created, 2 * n)
            sql = [query["sql"] for query in queries.captured_queries]
            value_inserts = [q for q in sql if q.startswith('INSERT INTO "reporting_reportvalue"')]
            # Values go in batches (SQLite caps the parameters of one statement).
            self.assertLessEqual(len(value_inserts), 2 * n * len(CODES) // 300 + 1)
            return len(sql) - len(value_inserts)

        self.assertEqual(run("S", 5), run("L", 40))


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


class UploadGuardTests(WorkbookTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # ~1 MB on disk, 208 MB once inflated: over the 200 MB limit.
        buffer = io.BytesIO()
        chunk = bytes(8 * 1024 * 1024)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
                for _ in range(26):
                    entry.write(chunk)
        cls.bomb = buffer.getvalue()

    def valid_bytes(self) -> bytes:
        return self.write_book("valid.xlsx", reports=[]).read_bytes()

    def assert_guard(self, data: bytes, name: str, message: str, **limits: int) -> None:
        with self.assertRaises(WorkbookError) as raised:
            check_upload(SimpleUploadedFile(name, data), **limits)
        self.assertIn(message, str(raised.exception))

    def test_valid_workbook_passes(self):
        check_upload(SimpleUploadedFile("ok.xlsx", self.valid_bytes()))

    def test_not_a_zip(self):
        self.assert_guard(b"code,name\nA001,x\n", "data.xlsx", "不是有效的 .xlsx 工作簿")

    def test_wrong_extension(self):
        self.assert_guard(self.valid_bytes(), "data.xls", "只接受 .xlsx 格式")
        self.assert_guard(self.valid_bytes(), "data.csv", "只接受 .xlsx 格式")

    def test_oversize(self):
        self.assert_guard(self.valid_bytes(), "big.xlsx", "文件过大", max_bytes=1000)

    def test_corrupt_zip(self):
        self.assert_guard(b"PK\x03\x04" + b"\x00garbage" * 100, "broken.xlsx", "文件已损坏")

    def test_too_many_entries(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i in range(30):
                archive.writestr(f"x{i}.xml", "")
        self.assert_guard(buffer.getvalue(), "many.xlsx", "条目过多", max_entries=20)

    def test_zip_bomb_is_refused_from_its_directory(self):
        self.assertLess(len(self.bomb), 2 * 1024 * 1024)
        self.assert_guard(self.bomb, "bomb.xlsx", "疑似压缩炸弹")
        tracemalloc.start()
        try:
            book = read_data_workbook(SimpleUploadedFile("bomb.xlsx", self.bomb))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertIn("疑似压缩炸弹", str(book.errors[0]))
        self.assertLess(peak, 8 * 1024 * 1024)  # nothing inflated: the upload itself

    def test_command_refuses_a_bomb(self):
        path = self.tmp / "bomb.xlsx"
        path.write_bytes(self.bomb)
        with self.assertRaisesMessage(CommandError, "疑似压缩炸弹"):
            call_command("import_workbook", str(path), stdout=io.StringIO(),
                         stderr=io.StringIO())

    def test_upload_page_refuses_a_bomb_with_the_same_message(self):
        self.login(self.pat)
        response = self.client.post("/data/import/", {
            "file": SimpleUploadedFile("bomb.xlsx", self.bomb)})
        self.assertContains(response, "疑似压缩炸弹", status_code=400)

    def test_reading_never_raises_on_broken_files(self):
        for name, data in (("a.xlsx", b""), ("b.xlsx", b"PK\x03\x04junk"),
                           ("c.xlsx", self.bomb), ("d.txt", b"hello")):
            book = read_data_workbook(SimpleUploadedFile(name, data))
            self.assertFalse(book.ok, name)
        # A real zip that is not a workbook inside.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<not-a-workbook")
        book = read_data_workbook(SimpleUploadedFile("e.xlsx", buffer.getvalue()))
        self.assertIn("无法读取", str(book.errors[0]))


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
        self.assertEqual([c.value for c in workbook["bases"][2]][:2], ["A001", "长沙科技新城"])
        sheet = workbook["reports"]
        self.assertEqual((sheet["A2"].value, sheet["B2"].value), ("A001", 2018))
        sheet[f"{column('building_area')}2"] = Decimal("4321.5")
        sheet[f"{column('has_service_platform')}2"] = "否"
        sheet[f"{column('platform_interconnected')}2"] = "否"
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
        self.assertEqual((sheet["A2"].value, sheet["B2"].value), ("B001", 2018))
        sheet[f"{column('employees')}2"] = 77
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

    def test_officer_b_uploading_to_a_gets_404(self):
        data = self.download(self.alice)
        self.login(self.bob)
        response = self.client.post(self.url + "upload/",
                                    {"file": SimpleUploadedFile("x.xlsx", data),
                                     "version": self.report.version})
        self.assertEqual(response.status_code, 404)
        self.login(self.pat)
        response = self.client.post(self.url + "upload/",
                                    {"file": SimpleUploadedFile("x.xlsx", data),
                                     "version": self.report.version})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Report.objects.get(pk=self.report.pk).version, self.report.version)

    def test_text_in_a_number_cell_names_row_and_column_and_saves_nothing(self):
        workbook = load_workbook(io.BytesIO(self.download(self.alice)))
        workbook["reports"][f"{column('building_area')}2"] = "一千"
        workbook["reports"][f"{column('service_staff')}2"] = 1.5
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, f"工作表“reports”第2行 {column('building_area')}列（建筑面积）：必须是数字")
        self.assertContains(
            response,
            f"工作表“reports”第2行 {column('service_staff')}列（服务人员数量）：必须是整数")
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
        workbook["报表"][f"{column('building_area')}2"] = Decimal("4321.5")
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
        workbook["年度报表"]["A2"] = "B001"
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertContains(
            response, "工作表“年度报表”第2行 A列（基地编码）：只能上传本基地（A001）的数据")
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


class StreamingExportTests(WorkbookTestCase):
    def test_export_spans_several_chunks_in_order(self):
        bases = [Base(code=f"S{i:04}", name=f"基地{i}", city=self.changsha, batch=1)
                 for i in range(1100)]
        Base.objects.bulk_create(bases)
        reports = Report.objects.bulk_create(
            Report(base=base, year=2017, status=Status.APPROVED)
            for base in Base.objects.filter(code__startswith="S"))
        ReportValue.objects.bulk_create(
            ReportValue(report=report, code="employees", value=Decimal(i))
            for i, report in enumerate(reports))
        path = self.tmp / "many.xlsx"
        count = write_data_workbook(path, bases=Base.objects.all(),
                                    reports=Report.objects.filter(year=2017))
        self.assertEqual(count, 1100)
        book = read_data_workbook(path)
        self.assertEqual(book.errors, [])
        self.assertEqual(len(book.reports), 1100)
        self.assertEqual(len(book.bases), 1102)
        codes = [row.base_code for row in book.reports]
        self.assertEqual(codes, sorted(codes))
        by_code = {row.base_code: row.values["employees"] for row in book.reports}
        self.assertEqual(by_code["S0000"], 0)
        self.assertEqual(by_code["S1099"], 1099)


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


@unittest.skipUnless(connection.vendor == "postgresql",
                     "concurrent requests need PostgreSQL; CI runs this suite on PostgreSQL too")
class ConfirmRaceTests(TransactionTestCase):
    """Issue 14 item 10: two confirms of one import token at the same moment (two tabs,
    a double click) import once and audit once. Real threads, real connections."""

    def test_concurrent_confirms_import_once_and_audit_once(self):
        city, _ = City.objects.get_or_create(name="长沙市")
        admin = User.objects.create(username="pat", role=Role.PROVINCE)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "bases"
        sheet.append(BASE_HEADER)
        reports = workbook.create_sheet("reports")
        reports.append(REPORT_HEADER)
        for i in range(100):
            sheet.append([f"R{i:03}", f"竞态基地{i}", city.name, "", 1])
            reports.append(report_row(f"R{i:03}", 2017, full_values()))
        data = io.BytesIO()
        workbook.save(data)
        for attempt in range(5):
            Report.objects.all().delete()
            client = Client()
            sign_in(client, admin)
            response = client.post("/data/import/", {
                "file": SimpleUploadedFile("race.xlsx", data.getvalue()), "status": "approved"})
            token = response.context["token"]
            before = AuditEvent.objects.filter(event="import_workbook", outcome="success").count()
            barrier = threading.Barrier(2)
            statuses: list[int] = []

            def confirm(barrier=barrier, statuses=statuses, token=token, client=client):
                tab = Client()
                tab.cookies = copy.deepcopy(client.cookies)
                barrier.wait()
                try:
                    statuses.append(tab.post("/data/import/",
                                             {"action": "confirm", "token": token}).status_code)
                finally:
                    connection.close()

            threads = [threading.Thread(target=confirm) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertEqual(statuses, [302, 302], attempt)
            self.assertEqual(Report.objects.count(), 100, attempt)
            self.assertEqual(Transition.objects.filter(action="import").count(), 100, attempt)
            after = AuditEvent.objects.filter(event="import_workbook", outcome="success").count()
            self.assertEqual(after - before, 1, attempt)
