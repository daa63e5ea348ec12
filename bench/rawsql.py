"""The yardstick for target 2: the annex and ranking aggregation as hand-written SQL.

The same work as `compute_annexes(year, compare_year, cohort_batch=None)` plus
`compute_rankings(year, top)`: the count and the per-code sum / sum of positives / count of
positives of the year's approved reports and of both cohorts (同口径: bases approved in both
years), and the top-N of every ranking (per-base sums of the ranking's codes, this year or
this year minus last year, ties by base code), with the top-N chosen in SQL by a window
function. Two statements through a cursor; plain SQL that PostgreSQL and SQLite both run.
`check_same` asserts it returns the figures of the ORM path, so the comparison is fair.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from reporting.statistics.annexes import RANKINGS, Figures, _part_aliases

APPROVED = "'approved'"


def _report_sets(year: int, compare_year: int) -> str:
    partner = ("EXISTS (SELECT 1 FROM reporting_report p WHERE p.base_id = r.base_id "
               f"AND p.year = {{other}} AND p.status IN ({APPROVED}))")
    return f"""
    WITH year_reports AS (
        SELECT r.id FROM reporting_report r WHERE r.year = {year} AND r.status IN ({APPROVED})),
    cohort_now AS (
        SELECT r.id FROM reporting_report r WHERE r.year = {year} AND r.status IN ({APPROVED})
        AND {partner.format(other=compare_year)}),
    cohort_before AS (
        SELECT r.id FROM reporting_report r WHERE r.year = {compare_year}
        AND r.status IN ({APPROVED}) AND {partner.format(other=year)}),
    tagged AS (
        SELECT 'year' AS grp, id FROM year_reports
        UNION ALL SELECT 'now', id FROM cohort_now
        UNION ALL SELECT 'before', id FROM cohort_before)
    """


def annex_sql(year: int, compare_year: int) -> str:
    return _report_sets(year, compare_year) + """
    SELECT t.grp, NULL, COUNT(*), NULL, NULL FROM tagged t GROUP BY t.grp
    UNION ALL
    SELECT t.grp, v.code, SUM(v.value), SUM(CASE WHEN v.value > 0 THEN v.value END),
           SUM(CASE WHEN v.value > 0 THEN 1 ELSE 0 END)
    FROM tagged t JOIN reporting_reportvalue v ON v.report_id = t.id
    GROUP BY t.grp, v.code
    """


def ranking_sql(year: int, top: int) -> str:
    aliases = _part_aliases()
    pivot = ",\n".join(
        "SUM(CASE WHEN v.code IN ({}) THEN v.value END) AS {}".format(
            ", ".join(f"'{code}'" for code in parts), alias)
        for parts, alias in aliases.items())
    candidates = []
    for definition in RANKINGS:
        alias = aliases[definition.parts]
        if definition.increase:
            candidates.append(
                f"SELECT '{definition.code}' AS ranking, t.base_code, t.base_name, "
                f"t.{alias} - l.{alias} AS value FROM per_base t JOIN per_base l "
                f"ON l.base_code = t.base_code AND l.year = {year - 1} "
                f"WHERE t.year = {year} AND t.{alias} IS NOT NULL AND l.{alias} IS NOT NULL")
        else:
            candidates.append(
                f"SELECT '{definition.code}' AS ranking, t.base_code, t.base_name, "
                f"t.{alias} AS value "
                f"FROM per_base t WHERE t.year = {year} AND t.{alias} IS NOT NULL")
    union = "\nUNION ALL\n".join(candidates)
    ranked = ", ".join(f"'{code}'" for code in sorted({c for parts in aliases for c in parts}))
    return f"""
    WITH per_base AS (
        SELECT r.year, b.code AS base_code, b.name AS base_name, {pivot}
        FROM reporting_report r
        JOIN bases_base b ON b.id = r.base_id
        JOIN reporting_reportvalue v ON v.report_id = r.id AND v.code IN ({ranked})
        WHERE r.year IN ({year}, {year - 1}) AND r.status IN ({APPROVED})
        GROUP BY r.year, b.code, b.name),
    candidates AS ({union})
    SELECT ranking, base_code, base_name, value, place FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY ranking
                                       ORDER BY value DESC, base_code) AS place
        FROM candidates c) ranked
    WHERE place <= {top}
    ORDER BY ranking, place
    """


def run(year: int, compare_year: int, top: int) -> tuple[dict[str, Figures], dict]:
    """Both statements; ({group: Figures}, {ranking: [(base code, value), ...]})."""
    figures: dict[str, Figures] = {}
    rankings: dict[str, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(annex_sql(year, compare_year))
        for grp, code, total, positive_total, positive_count in cursor.fetchall():
            group = figures.setdefault(grp, Figures())
            if code is None:
                group.n = total
                continue
            group.totals[code] = Decimal(total).quantize(Decimal("0.01"))
            if positive_count:
                group.positive_totals[code] = Decimal(positive_total).quantize(Decimal("0.01"))
                group.positive_counts[code] = positive_count
        cursor.execute(ranking_sql(year, top))
        for ranking, base_code, _name, value, _place in cursor.fetchall():
            rankings.setdefault(ranking, []).append(
                (base_code, Decimal(value).quantize(Decimal("0.01"))))
    return figures, rankings


def check_same(year: int, compare_year: int, top: int) -> None:
    """The yardstick computes exactly what the ORM path computes."""
    from reporting.statistics.annexes import (
        cohort_reports,
        compute_rankings,
        figures_of,
        source_reports,
    )

    figures, rankings = run(year, compare_year, top)
    orm = {
        "year": figures_of(source_reports(year=year)),
        "now": figures_of(cohort_reports(year=year, other_year=compare_year, batch=None)),
        "before": figures_of(cohort_reports(year=compare_year, other_year=year, batch=None)),
    }
    for group, expected in orm.items():
        got = figures[group]
        assert (got.n, got.totals, got.positive_totals, got.positive_counts) == (
            expected.n, expected.totals, expected.positive_totals, expected.positive_counts
        ), group
    orm_rankings = compute_rankings(year=year, top=top)
    for code, rows in orm_rankings.items():
        expected_rows = [(row.base_code, Decimal(row.value).quantize(Decimal("0.01")))
                         for row in rows]
        assert rankings.get(code, []) == expected_rows, code
