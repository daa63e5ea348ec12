"""Shared by the statistics tests: bases and reports made directly through the ORM."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from bases.models import Base, City
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annexes import compute_annexes

_codes = count(1)


def make_base(city: City, *, batch: int = 1, code: str | None = None,
              name: str | None = None) -> Base:
    code = code or f"T{next(_codes):04d}"
    return Base.objects.create(code=code, name=name or f"基地{code}", city=city, batch=batch)


def file_report(base: Base, year: int, status: str = Status.APPROVED, **values) -> Report:
    report = Report.objects.create(base=base, year=year, status=status)
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=Decimal(str(value)))
        for code, value in values.items())
    return report


def cells(annex, label: str) -> list[str]:
    return [cell.display for cell in annex.row(label).cells]


def annexes_2017(**kwargs):
    return compute_annexes(**{"year": 2017, "compare_year": 2016, "cohort_batch": None,
                              **kwargs})


def row_of(sheet, label: str) -> list:
    return next(row for row in sheet.iter_rows() if row[0].value == label)
