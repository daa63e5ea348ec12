"""Celery tasks of the statistics: keeping the cached figures warm (see cache.py)."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from reporting.filing.selectors import default_year
from reporting.statistics import cache as statistics_cache


@shared_task(ignore_result=True, acks_late=True)
def refresh_statistics(years: list[int]) -> list[int]:
    """After an approve, reopen or import of `years`' reports: compute their default pages."""
    chosen = sorted(set(years))
    cache.delete(statistics_cache.PENDING_KEY.format(years=",".join(map(str, chosen))))
    return statistics_cache.refresh(years=chosen)


@shared_task(ignore_result=True)
def refresh_all_statistics() -> list[int]:
    """Beat, nightly: the default year and the one after it, whatever changed."""
    year = default_year()
    return statistics_cache.refresh(years=[year - 1, year])
