"""Reads about reports that several views, services and the API share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from bases.access import in_scope
from bases.models import Base, User
from reporting import indicators
from reporting.filing import checks
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Round, Status, Transition


def reports_for(user: User) -> QuerySet[Report]:
    """The reports a user may read; the single scope rule for reports."""
    return Report.objects.select_related("base", "base__city").filter(
        in_scope(user, via="base__"))


def expected_in(year: int) -> Q:
    """The bases expected to file for `year`: designated by then (or of an unknown year),
    and not delisted before the year ended. The one rule for completeness and coverage."""
    return ((Q(year_designated__isnull=True) | Q(year_designated__lte=year))
            & (Q(status=Base.Status.ACTIVE) | Q(delisted_on__gt=dt.date(year, 12, 31))))


def expected_bases(year: int) -> QuerySet[Base]:
    return Base.objects.filter(expected_in(year))


INCOMPLETE_NOTE = "数据未完整：已审核 {approved}/{expected} 家"
OPEN_ROUND_NOTE = "（{year}年度报送尚未关闭，数据仍会变化）"


@dataclass(frozen=True)
class YearCoverage:
    """How much of a year the approved reports cover, for the statistics' data note."""

    year: int
    approved: int
    expected: int
    round_open: bool

    @property
    def complete(self) -> bool:
        return not self.round_open and self.approved >= self.expected

    @property
    def note(self) -> str | None:
        """The data note shown with the year's figures (pages, annex workbook, bulletin);
        None when the year is complete."""
        if self.complete:
            return None
        text = INCOMPLETE_NOTE.format(approved=self.approved, expected=self.expected)
        return text + (OPEN_ROUND_NOTE.format(year=self.year) if self.round_open else "")


def year_coverage(years: Iterable[int]) -> dict[int, YearCoverage]:
    """Coverage of each year: three queries however many years and bases."""
    years = sorted(set(years))
    if not years:
        return {}
    open_years = set(Round.objects.filter(year__in=years, closed_at__isnull=True)
                     .values_list("year", flat=True))
    # Approved reports of expected bases only: a delisted base's late report is no coverage.
    approved = dict(
        Report.objects.filter(year__in=years, status=Status.APPROVED)
        .filter(Q(base__year_designated__isnull=True) | Q(base__year_designated__lte=F("year")))
        .filter(Q(base__status=Base.Status.ACTIVE) | Q(base__delisted_on__year__gt=F("year")))
        .values("year").annotate(n=Count("id")).values_list("year", "n"))
    expected = Base.objects.aggregate(**{f"y{year}": Count("id", filter=expected_in(year))
                                         for year in years})
    return {year: YearCoverage(year, approved.get(year, 0), expected[f"y{year}"],
                               year in open_years) for year in years}


def data_note(year: int) -> str | None:
    """The year's data note ("数据未完整：已审核 n/N 家…"), None when complete; for every
    output that shows a year's figures (the annex workbook, the bulletin draft)."""
    return year_coverage([year])[year].note


def default_year() -> int:
    """The statistics' year when none is asked for (pages, API, bulletin): the latest year
    whose round is closed; with no closed round, the latest complete year; else the latest
    year with approved reports, else last year.

    Never the open year just because one report in it was approved (issue 16).
    """
    closed = Round.objects.filter(closed_at__isnull=False).aggregate(year=Max("year"))["year"]
    if closed is not None:
        return closed
    years = list(Report.objects.filter(status=Status.APPROVED).order_by("-year")
                 .values_list("year", flat=True).distinct())
    coverage = year_coverage(years)
    complete = [year for year in years if coverage[year].complete]
    if complete:
        return complete[0]
    return years[0] if years else timezone.localdate().year - 1


def approved_values(base_id: int, year: int) -> dict[str, Value]:
    rows = ReportValue.objects.filter(
        report__base_id=base_id, report__year=year, report__status=Status.APPROVED
    ).values_list("code", "value")
    return {code: indicators.BY_CODE[code].from_storage(value)
            for code, value in rows if code in indicators.BY_CODE}


def previous_year_medians(year: int) -> dict[str, Decimal]:
    """The previous year's province medians, for the soft checks of `year`'s reports.

    Every form view and submit needs them, and computing them reads every approved value of
    that year (144,000 rows at 3,000 bases). They change only when a report of that year is
    approved, reopened or imported, and each of those writes bumps the report's version and
    updated_at and/or changes the approved count: the cache key is that fingerprint, read by
    one aggregate over the year's approved reports, so no write path has to invalidate it.
    """
    approved = Report.objects.filter(year=year - 1, status=Status.APPROVED)
    fingerprint = approved.aggregate(n=Count("id"), versions=Sum("version"),
                                     last=Max("updated_at"))
    if not fingerprint["n"]:
        return {}
    last = fingerprint["last"].isoformat() if fingerprint["last"] else ""
    key = f"medians:{year - 1}:{fingerprint['n']}:{fingerprint['versions']}:{last}"
    medians = cache.get(key)
    if medians is None:
        rows = ReportValue.objects.filter(
            report__year=year - 1, report__status=Status.APPROVED
        ).values_list("code", "value")
        medians = checks.medians_by_code(list(rows))
        cache.set(key, medians, timeout=24 * 3600)
    return medians


def submitted_snapshots(report: Report) -> list[dict[str, str]]:
    return [t.snapshot for t in report.transitions.all()
            if t.action == Transition.Action.SUBMIT]


Change = tuple[indicators.Indicator, str, str]


def changes_since_previous_submission(report: Report) -> list[Change]:
    """(indicator, old, new) for every figure that differs between the last two submissions."""
    snapshots = submitted_snapshots(report)
    if len(snapshots) < 2:
        return []
    old, new = snapshots[-2], snapshots[-1]
    return [(i, old.get(i.code, "—"), new.get(i.code, "—"))
            for i in indicators.ENTERED if old.get(i.code) != new.get(i.code)]
