"""The one cell writer (portal/spreadsheet.py) and every workbook the portal writes with it.

SPEC section 6: text a user typed is written as text, never as a formula, whatever it
starts with. Each workbook is fetched the way a user gets it (an HTTP download through the
test client), read back with openpyxl and, where LibreOffice is installed, re-saved as CSV
and opened again by LibreOffice: the formula-looking text stays inert all the way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bases.models import AuditEvent, Base, User
from portal.spreadsheet import (
    APOSTROPHE,
    date_cell,
    escape_text,
    number_cell,
    safe_text,
    text_cell,
    unescape_text,
)
from reporting.filing import services
from reporting.models import Report, Status
from reporting.workbook.data import XLSX_CONTENT_TYPE
from reporting.workbook.importer import import_data_workbook
from tests.base import BaseTestCase, in_ci
from tests.workbook.helpers import full_values
from tests.workbook.test_exports import body

HOSTILE = ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)")
REPORT_TEXTS = HOSTILE[:1]  # the officer's workbook of base H1 names that base only
FORMULA_TAG = (b"<f>", b"<f ")


def saved(workbook: Workbook) -> Workbook:
    """The workbook written to bytes and loaded again, as a user's program would read it."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def sheet_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist()
                        if name.startswith("xl/worksheets/"))


# --- the writer itself -------------------------------------------------------------------


@given(st.text())
def test_escaping_is_undone_exactly_by_unescape(text):
    escaped = escape_text(text)
    assert unescape_text(escaped) == safe_text(text)
    assert not escaped.startswith(("=", "+", "-", "@"))


def test_only_formula_looking_text_gets_the_apostrophe():
    assert [escape_text(t) for t in HOSTILE] == [APOSTROPHE + t for t in HOSTILE]
    assert escape_text("长沙科技新城") == "长沙科技新城"
    assert escape_text("it's") == "it's"
    assert escape_text("'=x") == "''=x"  # the user's own apostrophe survives a round trip
    assert unescape_text("'plain") == "'plain"  # not the writer's: left alone
    assert escape_text("\x01=1+1") == "'=1+1"  # control characters go first


def test_text_cells_are_strings_in_normal_and_write_only_sheets():
    workbook = Workbook()
    sheet = workbook.active
    for row, text in enumerate([*HOSTILE, "#N/A", "ctrl\x07char"], start=1):
        text_cell(sheet, text, row=row, column=1)
    streamed = Workbook(write_only=True)
    stream = streamed.create_sheet("s")
    for text in [*HOSTILE, "#N/A", "ctrl\x07char"]:
        stream.append([text_cell(stream, text)])
    for book in (saved(workbook), saved(streamed)):
        values = [(cell.value, cell.data_type) for (cell,) in book.worksheets[-1].iter_rows()]
        assert values == [*[(APOSTROPHE + t, "s") for t in HOSTILE], ("#N/A", "s"),
                          ("ctrlchar", "s")]


def test_number_cells_take_decimals_and_ints_with_the_callers_format():
    workbook = Workbook()
    sheet = workbook.active
    number_cell(sheet, Decimal("1234.565"), "0.00", row=1, column=1)
    number_cell(sheet, 7, row=2, column=1)
    streamed = Workbook(write_only=True)
    stream = streamed.create_sheet("s")
    stream.append([number_cell(stream, Decimal("0.125"), "0.0%"), number_cell(stream, 3),
                   number_cell(stream, None)])
    plain = saved(workbook).active
    assert (plain["A1"].value, plain["A1"].data_type, plain["A1"].number_format) == (
        1234.565, "n", "0.00")
    assert (plain["A2"].value, plain["A2"].number_format) == (7, "General")
    row = next(saved(streamed).worksheets[-1].iter_rows())
    assert [(c.value, c.number_format) for c in row[:2]] == [(0.125, "0.0%"), (3, "General")]


@pytest.mark.parametrize("wrong", [1.5, True, "12"])
def test_number_cells_refuse_floats_booleans_and_text(wrong):
    sheet = Workbook().active
    with pytest.raises(TypeError):
        number_cell(sheet, wrong, row=1, column=1)
    with pytest.raises(TypeError):
        number_cell(sheet, wrong)
    assert sheet["A1"].value is None


def test_number_cells_refuse_nan_and_infinity():
    sheet = Workbook().active
    for wrong in (Decimal("NaN"), Decimal("-Infinity")):
        with pytest.raises(ValueError):
            number_cell(sheet, wrong, row=1, column=1)
    assert sheet["A1"].value is None


def test_date_cells_are_iso_dates_and_refuse_other_values():
    workbook = Workbook()
    sheet = workbook.active
    date_cell(sheet, dt.date(2018, 3, 31), row=1, column=1)
    date_cell(sheet, dt.datetime(2018, 3, 31, 8, 5), row=2, column=1)
    book = saved(workbook).active
    assert (book["A1"].value.date(), book["A1"].number_format) == (dt.date(2018, 3, 31),
                                                                    "yyyy-mm-dd")
    assert book["A2"].number_format == "yyyy-mm-dd hh:mm:ss"
    with pytest.raises(TypeError):
        date_cell(sheet, "2018-03-31", row=3, column=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        date_cell(sheet, dt.datetime(2018, 3, 31, tzinfo=dt.UTC), row=3, column=1)
    assert sheet["A3"].value is None


# --- every workbook the portal writes ----------------------------------------------------


class HostileTextTestCase(BaseTestCase):
    """Four bases named after formulas (their county too), with approved 2017 reports large
    enough to lead the rankings, an open 2018 round they have not filed for, and audit
    records carrying the same texts."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for index, text in enumerate(HOSTILE, start=1):
            base = Base.objects.create(code=f"H{index}", name=text, city=cls.changsha,
                                       county=text, batch=1, year_designated=2015)
            report = Report.objects.create(base=base, year=2017, status=Status.APPROVED)
            services.write_values(report, full_values(
                building_area=Decimal(900000 + index), resident_enterprises=900 + index))
            AuditEvent.objects.create(event="login_failed", actor_username=text,
                                      object_repr=text, detail=text, outcome="failure")
        cls.open_round(2018)

    def assert_inert(self, content: bytes, texts: tuple[str, ...] = HOSTILE) -> None:
        """Every one of `texts` is in the workbook, only as an apostrophed string cell, and
        no sheet holds a formula."""
        self.assertFalse(any(tag in sheet_xml(content) for tag in FORMULA_TAG))
        found: dict[str, list] = {}
        for sheet in load_workbook(io.BytesIO(content)):
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        found.setdefault(cell.value, []).append(cell)
        for text in texts:
            self.assertNotIn(text, found, "written without its apostrophe")
            cells = found.get(APOSTROPHE + text)
            self.assertTrue(cells, f"{text!r} is not in the workbook")
            self.assertEqual({cell.data_type for cell in cells}, {"s"})

    # Each download as the user gets it.

    def download(self, user: User, url: str, data: dict | None = None) -> bytes:
        self.login(user)
        response = (self.client.get(url) if data is None
                    else self.client.post(url, data))  # the admin's export form
        self.assertEqual(response.status_code, 200, url)
        self.assertEqual(response["Content-Type"], XLSX_CONTENT_TYPE, url)
        return body(response) if response.streaming else response.content

    def data_workbook(self) -> bytes:
        return self.download(self.pat, "/data/export/?year=2017")

    def report_workbook(self) -> bytes:
        return self.download(self.pat, "/bases/H1/reports/2017/workbook.xlsx")

    def annex_workbook(self) -> bytes:
        return self.download(self.pat, "/statistics/annexes.xlsx?year=2017")

    def fill_in_workbook(self) -> bytes:
        return self.download(self.pat, "/bases/H1/reports/2017/fill-in.xlsx")

    def import_template(self) -> bytes:
        return self.download(self.pat, "/data/import/template.xlsx")

    def completeness_workbook(self) -> bytes:
        return self.download(self.pat, "/rounds/2018/completeness.xlsx")

    def audit_workbook(self) -> bytes:
        return self.download(self.audrey, "/audit/?outcome=failure&format=xlsx")

    def registry_workbook(self) -> bytes:
        """The base registry from the admin's export page (django-import-export)."""
        fields = {f"baseresource_{name}": "on"
                  for name in ("code", "name", "city", "county", "batch")}
        return self.download(self.pat, "/admin/bases/base/export/",
                             {"format": "0", "resource": "0", **fields})

    def workbooks(self) -> dict[str, tuple[bytes, tuple[str, ...]]]:
        """Every workbook download: (its bytes, the hostile texts it holds)."""
        return {"data": (self.data_workbook(), HOSTILE),
                "report": (self.report_workbook(), REPORT_TEXTS),
                "fillin": (self.fill_in_workbook(), REPORT_TEXTS),
                "template": (self.import_template(), HOSTILE),
                "annexes": (self.annex_workbook(), HOSTILE),
                "completeness": (self.completeness_workbook(), HOSTILE),
                "audit": (self.audit_workbook(), HOSTILE),
                "registry": (self.registry_workbook(), HOSTILE)}


class WorkbookDownloadTests(HostileTextTestCase):
    def test_data_workbook_download_writes_formula_text_as_inert_text(self):
        self.assert_inert(self.data_workbook())

    def test_officer_report_workbook_writes_formula_text_as_inert_text(self):
        self.assert_inert(self.report_workbook(), REPORT_TEXTS)

    def test_fill_in_workbook_and_import_template_write_formula_text_as_inert_text(self):
        self.assert_inert(self.fill_in_workbook(), REPORT_TEXTS)
        self.assert_inert(self.import_template())

    def test_annex_workbook_download_writes_formula_text_as_inert_text(self):
        self.assert_inert(self.annex_workbook())

    def test_completeness_download_writes_formula_text_as_inert_text(self):
        self.assert_inert(self.completeness_workbook())

    def test_audit_log_export_writes_formula_text_as_inert_text(self):
        self.assert_inert(self.audit_workbook())

    def test_admin_registry_export_writes_formula_text_as_inert_text(self):
        content = self.registry_workbook()
        self.assert_inert(content)
        sheet = load_workbook(io.BytesIO(content)).active
        # The layout stays import-export's: bold frozen header, the batch as a number.
        self.assertEqual([c.value for c in sheet[1]], ["code", "name", "city", "county",
                                                       "batch"])
        self.assertTrue(sheet["A1"].font.b)
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual({(c.value, c.data_type) for c in sheet["E"][1:]}, {(1, "n"), (2, "n")})

    def test_admin_registry_reimport_reads_the_names_back_exactly(self):
        from bases.admin import BaseResource
        from portal.admin_xlsx import EscapedXLSX

        content = self.registry_workbook()
        Base.objects.filter(code__startswith="H").update(name="改掉", county="改掉")
        dataset = EscapedXLSX().create_dataset(content)
        result = BaseResource().import_data(dataset, dry_run=False, raise_errors=True)
        self.assertFalse(result.has_errors())
        self.assertEqual(
            list(Base.objects.filter(code__startswith="H").order_by("code")
                 .values_list("name", "county")),
            [(text, text) for text in HOSTILE])

    def test_data_workbook_round_trip_keeps_formula_text_exactly(self):
        Base.objects.create(code="Q1", name="'=已有撇号", city=self.changsha, county="'x",
                            batch=2)
        content = self.data_workbook()
        before = list(Base.objects.order_by("code").values_list("code", "name", "county"))
        result = import_data_workbook(file=io.BytesIO(content), actor=self.pat)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.bases_updated, result.bases_unchanged), (0, len(before)))
        # Changed in the portal since the export: importing the file brings the names back.
        Base.objects.filter(code__in=["H1", "H2", "H3", "H4", "Q1"]).update(name="改掉")
        result = import_data_workbook(file=io.BytesIO(content), actor=self.pat)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(result.bases_updated, 5)
        self.assertEqual(list(Base.objects.order_by("code").values_list("code", "name",
                                                                          "county")), before)
        self.assertEqual(Base.objects.get(code="H1").name, HOSTILE[0])
        self.assertEqual(Base.objects.get(code="Q1").name, "'=已有撇号")

    def test_bulletin_docx_holds_the_names_as_plain_text(self):
        """Word does not evaluate text; the only field in the draft is the page number."""
        self.login(self.pat)
        response = self.client.get("/statistics/bulletin.docx?year=2017")
        self.assertEqual(response.status_code, 200)
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        for name in HOSTILE:
            self.assertIn(name, text)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            xml = "".join(archive.read(name).decode() for name in archive.namelist()
                          if name.endswith(".xml"))
        self.assertEqual(xml.count("w:instr="), 1)
        self.assertIn('w:instr="PAGE"', xml)
        self.assertNotIn("instrText", xml)

    def test_export_commands_write_formula_text_as_inert_text(self):
        folder = Path(tempfile.mkdtemp(prefix="sheet-cmd-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        call_command("export_workbook", "--year", "2017", "-o", str(folder / "data.xlsx"),
                     stdout=io.StringIO())
        call_command("export_annexes", "--year", "2017", "-o", str(folder / "annexes.xlsx"),
                     stdout=io.StringIO())
        for name in ("data.xlsx", "annexes.xlsx"):
            with self.subTest(name):
                self.assert_inert((folder / name).read_bytes())


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice(soffice: str, profile: Path, *args: str) -> None:
    """Run LibreOffice headless with a private profile (parallel runs do not collide)."""
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", *args], check=True, capture_output=True, timeout=300)


class LibreOfficeCsvTests(HostileTextTestCase):
    #: CSV export filter: comma, double quote, UTF-8, first line 1, ..., every sheet (-1).
    CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    CSV_IN = "CSV:44,34,76,1"

    def test_csv_resave_in_libreoffice_keeps_formula_text_inert(self):
        soffice = find_soffice()
        if soffice is None:
            message = ("LibreOffice (soffice) is not installed: "
                       "apt-get install libreoffice-calc-nogui")
            if in_ci():
                self.fail(message + " (CI is set, so this fails instead of skipping)")
            self.skipTest(message + " (with CI set this fails instead)")
        folder = Path(tempfile.mkdtemp(prefix="sheet-lo-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        workbooks = self.workbooks()
        for name, (content, _texts) in workbooks.items():
            (folder / f"{name}.xlsx").write_bytes(content)
        libreoffice(soffice, folder / "profile", "--convert-to", self.CSV_OUT,
                    "--outdir", str(folder / "csv"),
                    *[str(folder / f"{name}.xlsx") for name in workbooks])
        texts: dict[str, set[str]] = {name: set() for name in workbooks}
        for path in (folder / "csv").glob("*.csv"):
            with path.open(encoding="utf-8", newline="") as handle:
                texts[path.stem.split("-")[0]].update(
                    value for row in csv.reader(handle) for value in row)
        for name, values in texts.items():
            with self.subTest(workbook=name):
                for text in workbooks[name][1]:
                    self.assertIn(APOSTROPHE + text, values)
                    self.assertNotIn(text, values)

        # Opening those CSV files again brings no formula back.
        libreoffice(soffice, folder / "profile", f"--infilter={self.CSV_IN}", "--convert-to",
                    "xlsx", "--outdir", str(folder / "again"),
                    *[str(path) for path in (folder / "csv").glob("*.csv")])
        reopened = list((folder / "again").glob("*.xlsx"))
        self.assertEqual(len(reopened), len(list((folder / "csv").glob("*.csv"))))
        for path in reopened:
            with self.subTest(csv=path.name):
                content = path.read_bytes()
                self.assertFalse(any(tag in sheet_xml(content) for tag in FORMULA_TAG))
