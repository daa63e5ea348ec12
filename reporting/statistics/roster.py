"""What the roster adds to the annex statistics: the data note on enterprises resident in
two or more bases (重复入驻), whose figures each base reports, so the sums count them twice."""

from __future__ import annotations

from django.core.cache import cache

from bases.roster.generation import roster_generation
from bases.roster.services import duplicates_for_year

#: As long as the statistics' own figures (reporting/statistics/cache.py).
TIMEOUT = 7 * 24 * 3600


def duplicate_enterprises(year: int) -> int:
    """Enterprises (credit codes) resident in two or more bases on a common day of `year`
    (SPEC section 10), for the annexes' data note: one query over the year's roster, cached
    under the roster's token, so every page view after the first reads only the cache."""
    key = f"stats:duplicates:{year}:{roster_generation()}"
    count = cache.get(key)
    if count is None:
        count = len(duplicates_for_year(year))
        cache.set(key, count, timeout=TIMEOUT)
    return count


def duplicates_note(year: int) -> str:
    """The data note's sentence, or "" when there are none."""
    count = duplicate_enterprises(year)
    if not count:
        return ""
    return (f"注：{year}年有{count}家企业同期在两个及以上基地登记入驻（重复入驻），"
            "其数据由各基地分别报送，合计数中重复计算。")
