"""Extension points through which the apps above `bases` add to its pages.

`bases` never imports those apps (it is the lower layer); they register here instead, from
their AppConfig.ready(). Today: sections of a base's page (reporting adds the base's rounds
and reports), and year locks (reporting says which years are approved: the roster's
figures and the ledger's entries of such a year are frozen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse

from bases.models import Base


@dataclass(frozen=True)
class PageSection:
    """A part of a page: the template to include and its context (as `section.context`)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


BaseSection = Callable[[HttpRequest, Base], PageSection]
_base_sections: list[BaseSection] = []


def register_base_section(section: BaseSection) -> BaseSection:
    if section not in _base_sections:
        _base_sections.append(section)
    return section


def base_sections(request: HttpRequest, base: Base) -> list[PageSection]:
    return [section(request, base) for section in _base_sections]


# Whether a base's data of a year is locked (its report of that year is approved).
# reporting registers the check; the roster and the ledger ask before every change, so a
# reopened report unlocks the year by itself.
YearLock = Callable[[Base, int], bool]
_year_locks: list[YearLock] = []


def register_year_lock(check: YearLock) -> YearLock:
    if check not in _year_locks:
        _year_locks.append(check)
    return check


def year_locked(base: Base, year: int) -> bool:
    return any(check(base, year) for check in _year_locks)


# Province-wide exports (the ledger's activities, the roster) take minutes at full scale,
# so they run as background jobs. There is one job mechanism in the portal, reporting's
# ExportJob (its Celery task, owner-only download, 24-hour sweep): reporting registers the
# starter here, and `bases` hands it the kind and the year and answers with what it returns
# (the job's page). The writers stay in `bases` (write_province_* beside each workbook).
ExportStarter = Callable[[HttpRequest, str, int], HttpResponse]
_export_starters: list[ExportStarter] = []


def register_export_starter(start: ExportStarter) -> ExportStarter:
    if start not in _export_starters:
        _export_starters.append(start)
    return start


def start_province_export(request: HttpRequest, kind: str, year: int) -> HttpResponse:
    """Start the background export `kind` of `year` for the requesting province admin."""
    if not _export_starters:
        raise RuntimeError("no export job mechanism registered (reporting not installed)")
    return _export_starters[-1](request, kind, year)
