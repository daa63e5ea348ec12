"""Reads of the ledger that other pages of `bases` show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from bases.ledger.categories import CATEGORIES
from bases.ledger.models import Institution, ServiceActivity
from bases.models import Base, City, Role
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
    # order_by(): the models' default ordering would put its columns into the DISTINCT.
    return (set(activities.order_by().values_list("base_id", flat=True).distinct())
            | set(figures.order_by().values_list("enterprise__base_id", flat=True).distinct()))


def platform_pushed(base: Base, year: int) -> bool:
    return (ServiceActivity.objects.filter(base=base, date__year=year)
            .filter(_pushed_by_platform()).exists()
            or EnterpriseYear.objects.filter(enterprise__base=base, year=year,
                                             updated_by__role=Role.PLATFORM).exists())


# --- the province's and the cities' view of the ledger ---------------------------------------

#: Days without a new ledger entry after which a base is listed (台帐更新提醒).
STALE_DAYS = 90


@dataclass(frozen=True)
class BaseCoverage:
    base: Base
    activities: int
    last_entry: dt.date | None
    institutions: int
    stale: bool


@dataclass
class CityCoverage:
    city: City
    bases: list[BaseCoverage]
    pushed: int = 0

    @property
    def total(self) -> int:
        return len(self.bases)

    @property
    def recording(self) -> int:
        return sum(1 for row in self.bases if row.activities)

    @property
    def stale(self) -> list[BaseCoverage]:
        return [row for row in self.bases if row.stale]


def ledger_coverage(bases: QuerySet[Base], *, year: int,
                    today: dt.date | None = None) -> list[CityCoverage]:
    """Per city, per base: activities dated in `year`, the day of the last entry recorded,
    the institutions cooperating today, whether nothing was entered for STALE_DAYS, and how
    many bases' platforms pushed records in `year` (互联互通). Five queries, however many
    bases there are."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=STALE_DAYS),
                                                    dt.time.min))
    scope = bases.values("pk")
    activities = {row["base_id"]: row for row in (
        ServiceActivity.objects.filter(base__in=scope).values("base_id")
        .annotate(in_year=Count("id", filter=Q(date__year=year)), last=Max("created_at"))
        .order_by())}
    institutions = dict(
        Institution.objects.filter(base__in=scope, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values("base_id").annotate(n=Count("id")).order_by().values_list("base_id", "n"))
    pushed = platform_pushed_base_ids(year)
    cities: dict[int, CityCoverage] = {}
    for base in bases.select_related("city").order_by("city__sort_order", "city__name", "code"):
        row = activities.get(base.pk, {})
        last = row.get("last")
        coverage = BaseCoverage(
            base=base, activities=row.get("in_year", 0),
            last_entry=timezone.localdate(last) if last else None,
            institutions=institutions.get(base.pk, 0), stale=last is None or last < since)
        city = cities.setdefault(base.city_id, CityCoverage(base.city, []))
        city.bases.append(coverage)
        city.pushed += base.pk in pushed
    return list(cities.values())


@dataclass(frozen=True)
class Bar:
    """One category's part of one month's bar, placed in the chart's coordinates."""

    category: str
    label: str
    count: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class Month:
    month: int
    total: int
    x: float
    bars: list[Bar]


#: Colours of the categories in the charts, in CATEGORIES order (distinct in greyscale too).
COLOURS = ("#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#15803d", "#475569",
           "#a16207")
CHART_HEIGHT = 200.0
CHART_BAR = 30.0
CHART_STEP = 40.0


@dataclass(frozen=True)
class MonthlyChart:
    year: int
    months: list[Month]
    table: list[tuple[str, str, list[int], int]]  # (category label, colour, per month, total)
    total: int
    peak: int

    width: float = 12 * CHART_STEP
    height: float = CHART_HEIGHT


def latest_year(activities: QuerySet[ServiceActivity]) -> int | None:
    """The year of the latest of `activities` (None: there are none). One query; asked only
    when the year shown is empty, so the full table is scanned at most for an empty chart."""
    latest = activities.aggregate(latest=Max("date"))["latest"]
    return None if latest is None else latest.year


def monthly_chart(activities: QuerySet[ServiceActivity], year: int) -> MonthlyChart:
    """Activities per month and category of `year`, stacked, in one query; the geometry
    of an SVG drawn by the template (no script, no asset)."""
    counts = {(row["month"], row["category"]): row["n"] for row in (
        activities.filter(date__year=year).annotate(month=ExtractMonth("date"))
        .values("month", "category").annotate(n=Count("id")).order_by())}
    totals = [sum(counts.get((m, key), 0) for key, _ in CATEGORIES) for m in range(1, 13)]
    peak = max(totals) or 1
    scale = CHART_HEIGHT / peak
    months = []
    for month in range(1, 13):
        top = CHART_HEIGHT
        bars = []
        for (key, text), colour in zip(CATEGORIES, COLOURS, strict=True):
            count = counts.get((month, key), 0)
            if count:
                height = count * scale
                top -= height
                bars.append(Bar(key, text, count, round(top, 2), round(height, 2), colour))
        months.append(Month(month, totals[month - 1], (month - 1) * CHART_STEP + 5, bars))
    table = [(text, colour, [counts.get((m, key), 0) for m in range(1, 13)],
              sum(counts.get((m, key), 0) for m in range(1, 13)))
             for (key, text), colour in zip(CATEGORIES, COLOURS, strict=True)]
    return MonthlyChart(year, months, table, sum(totals), max(totals))

