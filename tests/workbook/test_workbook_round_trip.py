"""The data workbook (SPEC section 6): export, import and re-import, streaming, a confirm race.

Real files are written and read back with openpyxl and the commands run through call_command.
"""

from __future__ import annotations

import copy
import io
import threading
import unittest
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from bases.models import AuditEvent, Base, City, Role, User
from reporting import indicators
from reporting.filing import checks, services
from reporting.models import Report, ReportValue, Status, Transition
from reporting.workbook.data import (
    read_data_workbook,
    write_data_workbook,
)
from reporting.workbook.importer import import_data_workbook
from tests.base import sign_in
from tests.workbook.helpers import (
    BASE_HEADER,
    CODES,
    REPORT_HEADER,
    WorkbookTestCase,
    column,
    full_values,
    report_row,
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
        self.assertEqual([c.value for c in bases[1]],
                         ["基地编码", "基地名称", "市州", "县市区", "认定批次"])
        self.assertEqual([c.value for c in bases[2]], BASE_HEADER)
        self.assertEqual([c.value for c in bases[3]],
                         ["A001", "长沙科技新城", "长沙市", "岳麓区", 1])
        sheet = workbook["reports"]
        self.assertEqual([c.value for c in sheet[2]], REPORT_HEADER)
        self.assertEqual(sheet[f"{column('building_area')}1"].value, "建筑面积（平方米）")
        self.assertEqual(sheet.freeze_panes, "C3")
        self.assertNotIn("patents", REPORT_HEADER)
        row = {code: sheet[f"{column(code)}3"] for code in CODES}
        self.assertEqual(sheet["A3"].value, "A001")
        self.assertEqual(sheet["B3"].value, 2017)
        self.assertEqual(row["building_area"].data_type, "n")
        self.assertEqual(Decimal(repr(row["building_area"].value)), Decimal("1234.56"))
        self.assertEqual(Decimal(repr(row["ent_profit"].value)), Decimal("-120.75"))
        self.assertEqual(row["service_staff"].value, 12)
        self.assertEqual(row["building_area"].number_format, "#,##0.00")
        self.assertEqual(row["service_staff"].number_format, "#,##0")
        self.assertEqual(row["offers_rent_reduction"].value, "是")
        self.assertEqual(row["offers_rent_reduction"].data_type, "s")
        self.assertEqual(row["platform_interconnected"].value, "否")
        self.assertIsNone(row["avg_sale_price"].value)
        self.assertIsNone(row["cloud_enterprises"].value)
        # Each sheet declares its size up front, so read-only loads need not scan it twice.
        streamed = load_workbook(path, read_only=True)
        self.assertEqual(streamed["reports"].calculate_dimension(),
                         f"A1:{get_column_letter(len(REPORT_HEADER))}4")
        self.assertEqual(streamed["bases"].calculate_dimension(), "A1:E4")
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
        workbook["reports"][f"{column('employees')}3"] = 901
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
