"""Statistics that answer at once: the annexes, the rankings and the city breakdown, cached.

Each result is stored in Django's cache (the database cache, or Redis with CACHE_URL) under
its selection (year, comparison year, cohort batch, preview, city) and a *fingerprint* of
what it was computed from, as the previous-year medians are (reporting/filing/selectors.py):

- per year it reads, the source reports' count, the sum of their ids and of their versions
  and their latest `updated_at` (one grouped aggregate). Approve, reopen, submit, return and
  import all bump a report's version and `updated_at` or move it in or out of the source
  statuses, so any change to the figures changes the key;
- a token of the bases and cities (batches, cities, names: the cohorts, the city rows and
  the rankings' names), replaced whenever a base or a city is saved or deleted (signals,
  connected in reporting/apps.py) and after every import.

So a cached figure is never stale: a changed fingerprint misses and the figures are
computed on demand (and stored). No write path has to delete anything; after every
approve, reopen and import `schedule_refresh` enqueues `refresh_statistics`, which computes
the default selections of the years touched in the background, so the next view is warm.

The functions have the signatures of their namesakes in annexes.py, so that a view only
changes where it imports them from.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, QuerySet, Sum

from bases.models import CITY_ROLES, Base, City, User
from portal.tokens import current_token, renew_token
from reporting.filing import selectors
from reporting.filing.selectors import YearCoverage
from reporting.models import Report
from reporting.statistics import annexes as fresh
from reporting.statistics.annexes import (
    MAX_TOP,
    Annexes,
    CityBreakdown,
    RankingRow,
    source_statuses,
)
from reporting.years import comparison_year

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Results live a week at most; a changed fingerprint makes them unreachable long before.
TIMEOUT = 7 * 24 * 3600
BASES_TOKEN_KEY = "stats:bases-token"
PENDING_KEY = "stats:refresh-pending:{years}"
#: The years of trend charts on the statistics page (views.TREND_YEARS) that a refresh warms.
HISTORY_YEARS = 5


# --- fingerprints ------------------------------------------------------------------------

#: Within one web request the fingerprints are read once (one query for every year, one
#: read of the token) however many figures the page shows; outside requests (tasks,
#: commands, tests calling the functions) they are read at every call. Any write that
#: changes the figures in a request (a report saved, an import, a base) forgets them.
_request = threading.local()


def request_started(**_signal_arguments: object) -> None:
    _request.memo = {}


def request_finished(**_signal_arguments: object) -> None:
    _request.memo = None


def forget(**_signal_arguments: object) -> None:
    """A write in this request: the next read takes fresh fingerprints."""
    if getattr(_request, "memo", None):
        _request.memo = {}


def _memoized(key: str, read: Callable[[], T]) -> T:
    memo = getattr(_request, "memo", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def bases_token() -> str:
    """The token of the bases' and cities' current state (a random value, never a counter:
    a token lost from the cache comes back as a new one, never as an old one)."""
    return _memoized("token", _read_bases_token)


def _read_bases_token() -> str:
    return current_token(BASES_TOKEN_KEY)


def bases_changed(**_signal_arguments: object) -> None:
    """A base or a city changed (post_save/post_delete, an import): new token."""
    forget()
    renew_token(BASES_TOKEN_KEY)


def _year_parts(preview: bool, years: frozenset[int]) -> dict[int, str]:
    """{year: "n:sum of ids:sum of versions:last update"} of the source reports, one query.

    In a request: every year at once (a page reads several), once."""
    def read(chosen: frozenset[int] | None) -> dict[int, str]:
        reports = Report.objects.filter(status__in=source_statuses(preview))
        if chosen is not None:
            reports = reports.filter(year__in=chosen)
        rows = (reports.order_by().values("year")
                .annotate(n=Count("id"), ids=Sum("id"), versions=Sum("version"),
                          last=Max("updated_at")))
        return {r["year"]: f"{r['n']}:{r['ids']}:{r['versions']}:"
                           f"{r['last'].isoformat() if r['last'] else ''}" for r in rows}

    if getattr(_request, "memo", None) is None:
        return read(years)
    return _memoized(f"years:{preview}", lambda: read(None))


def fingerprint(years: Iterable[int], *, preview: bool) -> str:
    """The fingerprint of the source reports of `years` and of the bases (see the module)."""
    chosen = frozenset(years)
    parts = _year_parts(preview, chosen)
    text = "|".join([bases_token(), *(f"{year}:{parts.get(year, '')}" for year in sorted(chosen))])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _cached(name: str, selection: tuple, years: Iterable[int], preview: bool,
            compute: Callable[[], T]) -> T:
    key = f"stats:{name}:{':'.join(map(str, selection))}:{fingerprint(years, preview=preview)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value


def compute_annexes(*, year: int, compare_year: int | None, cohort_batch: int | None,
                    preview: bool = False, city_id: int | None = None) -> Annexes:
    """annexes.compute_annexes, cached."""
    years = {year} if compare_year is None else {year, compare_year}
    return _cached("annexes", (year, compare_year, cohort_batch, preview, city_id), years,
                   preview, lambda: fresh.compute_annexes(
                       year=year, compare_year=compare_year, cohort_batch=cohort_batch,
                       preview=preview, city_id=city_id))


def compute_city_breakdown(*, year: int, preview: bool = False,
                           cities: QuerySet[City] | None = None) -> CityBreakdown:
    """annexes.compute_city_breakdown, cached: every city's row is stored once; a city
    viewer's breakdown is the rows of their cities (the total is always the province)."""
    every = _cached("cities", (year, preview), {year}, preview,
                    lambda: fresh.compute_city_breakdown(year=year, preview=preview))
    if cities is None:
        return every
    rows = {row.label: row for row in every.rows}
    return CityBreakdown(year=every.year, preview=every.preview, header=every.header,
                         rows=tuple(rows[city.name] for city in cities),
                         total=every.total)


def compute_rankings(*, year: int, top: int,
                     preview: bool = False) -> dict[str, list[RankingRow]]:
    """annexes.compute_rankings, cached: the longest lists once, cut to `top` (places and
    ties do not depend on how many rows are kept)."""
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 1 and {MAX_TOP}")
    longest = _cached("rankings", (year, preview), {year, year - 1}, preview,
                      lambda: fresh.compute_rankings(year=year, top=MAX_TOP, preview=preview))
    return {code: rows[:top] for code, rows in longest.items()}


def year_coverage(*, year: int) -> YearCoverage:
    """selectors.year_coverage of one year, cached: the year's approved reports are in the
    fingerprint, the expected bases and the year's round in the bases token (which a saved
    round renews too)."""
    return _cached("coverage", (year,), {year}, False,
                   lambda: selectors.year_coverage([year])[year])


def batches_in_use() -> list[int]:
    """Base.batches_in_use (the batch filters' choices), cached under the bases token."""
    return _cached("batches", (), (), False, Base.batches_in_use)


# --- the statistics page's rendered tables ------------------------------------------------

#: The rendered tables and charts of the statistics page (the `{% cache %}` fragment of
#: reporting/statistics/index.html) are kept this long at most: the key holds the figures'
#: fingerprint, so the figures are never stale; the limit only bounds how long a changed
#: template (a new release) may show the old layout.
FRAGMENT_TIMEOUT = 600


def page_fragment(*, year: int, compare_year: int | None, cohort_batch: int | None,
                  preview: bool, user: User, include_incomplete: bool = False) -> list[object]:
    """What the statistics page's rendered tables and charts depend on: the selection (with
    whether the trend charts include incomplete years), the user's city scope (the city
    breakdown of the charts) and the fingerprint of every year they read (the annexes, the
    comparison year, the trend charts' earlier years)."""
    years = {y for y in (compare_year, *range(year - HISTORY_YEARS + 1, year + 1))
             if y is not None}
    scope = user.city_id if user.role in CITY_ROLES else user.role
    return [year, compare_year, cohort_batch, preview, include_incomplete, scope,
            fingerprint(years, preview=preview)]


# --- refresh -------------------------------------------------------------------------------


def warm(*, year: int) -> None:
    """Compute (or find) what the statistics pages show by default for `year`, approved and
    preview: the annexes against the year before, the city breakdown, the rankings, and the
    year's own figures as the trend charts of the following years use them."""
    for preview in (False, True):
        compute_annexes(year=year, compare_year=comparison_year(year, None), cohort_batch=None,
                        preview=preview)
        for earlier in range(year - HISTORY_YEARS + 1, year + 1):
            compute_annexes(year=earlier, compare_year=None, cohort_batch=None, preview=preview)
        compute_city_breakdown(year=year, preview=preview)
        compute_rankings(year=year, top=MAX_TOP, preview=preview)


def refresh(*, years: Iterable[int]) -> list[int]:
    """Warm every year whose default pages read `years`: each year and the year after it
    (its comparison year and its increase rankings). Returns the years warmed."""
    touched = sorted({y + offset for y in set(years) for offset in (0, 1)})
    for year in touched:
        warm(year=year)
    return touched


def schedule_refresh(*, years: Iterable[int], bases: bool = False) -> None:
    """After the current transaction commits: enqueue the refresh of `years` (once while
    one is pending); `bases`: the bases may have changed too (an import)."""
    chosen = sorted(set(years))
    forget()
    if chosen or bases:
        transaction.on_commit(lambda: _enqueue(chosen, bases=bases))


def _enqueue(years: list[int], *, bases: bool) -> None:
    from reporting.statistics.tasks import refresh_statistics

    if bases:
        bases_changed()
    if not years:
        return
    # Coalesced: a burst of approvals queues one refresh, which reads the latest figures.
    if not cache.add(PENDING_KEY.format(years=",".join(map(str, years))), 1, timeout=600):
        return
    try:
        refresh_statistics.delay(years)
    except Exception:
        # The change is committed and the figures are computed on demand anyway: a broker
        # that is down must not turn an approval into an error page.
        logger.exception("could not enqueue the statistics refresh of %s", years)
        cache.delete(PENDING_KEY.format(years=",".join(map(str, years))))
