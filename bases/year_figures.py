"""What a base's service ledger and resident-enterprise roster say about one year (SPEC
sections 9 and 10): the figures the annual report is pre-filled from.

`bases` cannot import the indicator catalog, so these are plain numbers keyed by the
ledger's categories and the roster's figure codes; reporting/filing/prefill.py maps them
to the catalog's codes. Each source is read in a fixed number of queries, whatever the
number of activities, institutions or enterprises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from bases.ledger.categories import CATEGORIES
from bases.ledger.models import Institution, ServiceActivity
from bases.ledger.selectors import platform_pushed
from bases.models import Base
from bases.roster.figures import BY_CODE as FIGURES_BY_CODE
from bases.roster.figures import FIGURE_CODES
from bases.roster.models import Enterprise, EnterpriseYear


@dataclass(frozen=True)
class LedgerYear:
    """The ledger's figures of a year: sessions and enterprises served per category, the
    institutions cooperating on 31 December, whether the base's platform pushed records."""

    kept: bool
    sessions: dict[str, int]
    served: dict[str, int]
    institutions: int
    platform_pushed: bool


@dataclass(frozen=True)
class RosterYear:
    """The roster's figures of a year; `figures` are the sums over the enterprises with
    figures for the year (exact Decimals for money)."""

    kept: bool
    resident: int
    small_micro: int
    reporting: int
    high_tech: int
    figures: dict[str, int | Decimal]
    #: Of the enterprises with figures, those not resident on 31 December (moved out during
    #: the year): counted as reporting, not as resident.
    reporting_moved_out: int = 0


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def ledger_year(base: Base, year: int) -> LedgerYear:
    """Three to five queries. `kept`: the base keeps a ledger at all (any activity or
    institution of any year, or a push of its platform this year); a base without one is
    offered no ledger figures rather than a column of zeros."""
    end = year_end(year)
    in_year = Q(date__year=year)
    rows = (ServiceActivity.objects.filter(base=base).order_by().values("category")
            .annotate(n=Count("id", filter=in_year),
                      served=Sum("enterprises_served", filter=in_year)))
    sessions = {key: 0 for key, _ in CATEGORIES}
    served = dict(sessions)
    for row in rows:
        if row["category"] in sessions:
            sessions[row["category"]] = row["n"]
            served[row["category"]] = row["served"] or 0
    # Cooperating on 31 December: since on or before it, until empty or after it.
    institutions = Institution.objects.filter(base=base).aggregate(
        total=Count("id"),
        cooperating=Count("id", filter=Q(since__lte=end)
                          & (Q(until__isnull=True) | Q(until__gt=end))))
    pushed = platform_pushed(base, year)
    kept = bool(rows) or bool(institutions["total"]) or pushed
    return LedgerYear(kept, sessions, served, institutions["cooperating"], pushed)


def roster_year(base: Base, year: int) -> RosterYear:
    """Two queries. `kept`: the base has registered any enterprise."""
    end = year_end(year)
    resident = Q(moved_in__lte=end) & (Q(moved_out__isnull=True) | Q(moved_out__gt=end))
    counts = Enterprise.objects.filter(base=base).aggregate(
        total=Count("id"),
        resident=Count("id", filter=resident),
        small_micro=Count("id", filter=resident & Q(small_micro=True)),
    )
    # A certificate valid on 31 December, or one without an expiry date.
    valid = (Q(enterprise__high_tech=True)
             & (Q(enterprise__high_tech_valid_until__isnull=True)
                | Q(enterprise__high_tech_valid_until__gte=end)))
    sums = EnterpriseYear.objects.filter(enterprise__base=base, year=year).aggregate(
        reporting=Count("id"), high_tech=Count("id", filter=valid),
        moved_out=Count("id", filter=Q(enterprise__moved_out__lte=end)),
        **{code: Sum(code) for code in FIGURE_CODES})
    figures: dict[str, int | Decimal] = {}
    for code in FIGURE_CODES:
        figure, total = FIGURES_BY_CODE[code], sums[code]
        if figure.kind == "int":
            figures[code] = int(total or 0)
        else:
            # SQLite sums NUMERIC as a double; at the cent this is exact for any real total.
            figures[code] = Decimal(total or 0).quantize(Decimal(1).scaleb(-figure.decimals))
    return RosterYear(bool(counts["total"]), counts["resident"], counts["small_micro"],
                      sums["reporting"], sums["high_tech"], figures, sums["moved_out"])
