"""Shared by the data workbook tests: a catalog-complete set of values, workbook rows and the
TestCase that writes, exports and snapshots real workbooks."""

from __future__ import annotations

import io
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from bases.models import Base
from reporting import indicators
from reporting.filing import services
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition
from tests.base import BaseTestCase

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
