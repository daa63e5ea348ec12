"""Reads about reports that several views, services and the API share."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from bases.models import CITY_ROLES, Role, User
from reporting import indicators
from reporting.filing import checks
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition


def reports_for(user: User) -> QuerySet[Report]:
    """The reports a user may read; the single scope rule for reports."""
    reports = Report.objects.select_related("base", "base__city")
    if user.role == Role.PROVINCE:
        return reports
    if user.role in CITY_ROLES and user.city_id:
        return reports.filter(base__city_id=user.city_id)
    if user.role == Role.OFFICER and user.base_id:
        return reports.filter(base_id=user.base_id)
    return reports.none()


def default_year() -> int:
    """The statistics' year when none is asked for (pages and API): the latest year with
    approved reports, else last year."""
    latest = Report.objects.filter(status=Status.APPROVED).aggregate(year=Max("year"))["year"]
    return latest or timezone.localdate().year - 1


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
