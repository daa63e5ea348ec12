"""Reads about reports that several views, services and the API share."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from bases.models import Role, User
from reporting import checks, indicators
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition


def reports_for(user: User) -> QuerySet[Report]:
    """The reports a user may read; the single scope rule for reports."""
    reports = Report.objects.select_related("base", "base__city")
    if user.role == Role.PROVINCE:
        return reports
    if user.role == Role.CITY and user.city_id:
        return reports.filter(base__city_id=user.city_id)
    if user.role == Role.OFFICER and user.base_id:
        return reports.filter(base_id=user.base_id)
    return reports.none()


def approved_values(base_id: int, year: int) -> dict[str, Value]:
    rows = ReportValue.objects.filter(
        report__base_id=base_id, report__year=year, report__status=Status.APPROVED
    ).values_list("code", "value")
    return {code: indicators.BY_CODE[code].from_storage(value)
            for code, value in rows if code in indicators.BY_CODE}


def previous_year_medians(year: int) -> dict[str, Decimal]:
    rows = ReportValue.objects.filter(
        report__year=year - 1, report__status=Status.APPROVED
    ).values_list("code", "value")
    return checks.medians_by_code(list(rows))


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
