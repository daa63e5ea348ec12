"""Reads of the ledger that other pages of `bases` show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from bases.ledger.models import Institution, ServiceActivity
from bases.models import Base, Role
from bases.roster.models import EnterpriseYear


@dataclass(frozen=True)
class LedgerState:
    year: int
    activities_this_year: int
    last_activity_date: dt.date | None
    institutions_cooperating: int


def ledger_state(base: Base) -> LedgerState:
    """What a new officer inherits (the handover page): this year's activities, the latest
    entry and the institutions cooperating today."""
    today = timezone.localdate()
    activities = ServiceActivity.objects.filter(base=base).aggregate(
        this_year=Count("id", filter=Q(date__year=today.year)), last=Max("date"))
    cooperating = Institution.objects.filter(base=base, since__lte=today).filter(
        Q(until__isnull=True) | Q(until__gte=today)).count()
    return LedgerState(today.year, activities["this_year"], activities["last"], cooperating)


def _pushed_by_platform(prefix: str = "") -> Q:
    return (Q(**{f"{prefix}created_by__role": Role.PLATFORM})
            | Q(**{f"{prefix}updated_by__role": Role.PLATFORM}))


def platform_pushed_base_ids(year: int) -> set[int]:
    """Bases whose own platform (互联互通) pushed a ledger or roster record dated in `year`
    (SPEC 9): an activity dated in the year, or an enterprise's figures for the year. Two
    queries however many bases there are."""
    activities = ServiceActivity.objects.filter(date__year=year).filter(_pushed_by_platform())
    figures = EnterpriseYear.objects.filter(year=year, updated_by__role=Role.PLATFORM)
    return (set(activities.values_list("base_id", flat=True).distinct())
            | set(figures.values_list("enterprise__base_id", flat=True).distinct()))


def platform_pushed(base: Base, year: int) -> bool:
    return (ServiceActivity.objects.filter(base=base, date__year=year)
            .filter(_pushed_by_platform()).exists()
            or EnterpriseYear.objects.filter(enterprise__base=base, year=year,
                                             updated_by__role=Role.PLATFORM).exists())
