"""Reads of the ledger that other pages of `bases` show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from bases.ledger.models import Institution, ServiceActivity
from bases.models import Base


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
