"""Pre-filling the annual report from the base's own records (SPEC sections 9 and 10).

One selector for both sources: `prefill_for` maps what bases/year_figures.py reads from the
service ledger and the resident-enterprise roster to the catalog's codes (which codes come
from which record is the catalog's `record_sources`). The page, the fill service
(`services.fill_from_records`), the completeness soft check and the API all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bases.models import Base
from bases.year_figures import RosterYear, ledger_year, roster_year
from reporting import indicators
from reporting.filing import checks
from reporting.indicators import LEDGER, ROSTER, SERVICE_CATEGORIES, Value
from reporting.models import Report

#: The report's flag that declares each record complete for the year.
COMPLETE_FIELDS: dict[str, str] = {LEDGER: "ledger_complete", ROSTER: "roster_complete"}


@dataclass(frozen=True)
class Prefill:
    """`values` {code: value} computed from the records, `sources` {code: LEDGER | ROSTER}
    for the same codes, and whether the officer declared each record complete."""

    values: dict[str, Value]
    sources: dict[str, str]
    ledger_complete: bool
    roster_complete: bool
    #: What the officer should know before filling these in (Chinese, for the page and API).
    notes: tuple[str, ...] = ()

    def entered_from(self, chosen: set[str]) -> dict[str, Value]:
        """The entered (not derived) figures of the chosen sources: what a fill writes."""
        return {code: value for code, value in self.values.items()
                if self.sources[code] in chosen and not indicators.BY_CODE[code].derived}

    @property
    def complete(self) -> set[str]:
        return {source for source, declared in ((LEDGER, self.ledger_complete),
                                                (ROSTER, self.roster_complete)) if declared}


def _ledger_values(base: Base, year: int) -> dict[str, Value]:
    figures = ledger_year(base, year)
    if not figures.kept:
        return {}
    values: dict[str, Value] = {}
    for category in SERVICE_CATEGORIES:
        values[category.sessions_code] = figures.sessions.get(category.key, 0)
        values[category.enterprises_code] = figures.served.get(category.key, 0)
    values["third_party_institutions"] = figures.institutions
    values["platform_interconnected"] = figures.platform_pushed
    return values


def _moved_out_note(figures: RosterYear, year: int) -> str | None:
    """SPEC 10 counts an enterprise that moved out during the year as reporting (it has the
    year's figures) but not as resident on 31 December; when that makes 报送企业户数 exceed
    入驻企业户数, the report's hard check refuses the pre-filled figures: say why first."""
    if figures.reporting <= figures.resident or not figures.reporting_moved_out:
        return None
    reporting = indicators.BY_CODE["reporting_enterprises"].label
    resident = indicators.BY_CODE["resident_enterprises"].label
    return (f"名册中有 {figures.reporting_moved_out} 家企业已于{year}年内迁出但填有{year}年度数据："
            f"计入“{reporting}”（{figures.reporting}），不计入年末“{resident}”"
            f"（{figures.resident}），报表因此不能提交。请在名册中核对这些企业的迁出日期或年度数据，"
            f"或在报表中修改后填写情况说明。")


def _roster_values(figures: RosterYear) -> dict[str, Value]:
    if not figures.kept:
        return {}
    return indicators.with_derived({
        "resident_enterprises": figures.resident,
        "small_micro_enterprises": figures.small_micro,
        "reporting_enterprises": figures.reporting,
        "high_tech_enterprises": figures.high_tech,
        **figures.figures,
    })


def prefill_for(base: Base, year: int, *, report: Report | None = None) -> Prefill:
    """The year's figures from the base's ledger and roster, in at most eight queries
    whatever their size. `report`: the base's report of the year when the caller has it
    (its completeness flags); otherwise it is looked up."""
    if report is None:
        # order_by(): the model's default order would join the bases for nothing.
        report = Report.objects.filter(base=base, year=year).order_by().only(
            "ledger_complete", "roster_complete").first()
    roster = roster_year(base, year)
    computed = {LEDGER: _ledger_values(base, year), ROSTER: _roster_values(roster)}
    note = _moved_out_note(roster, year)
    values: dict[str, Value] = {}
    sources: dict[str, str] = {}
    for code, source in indicators.record_sources().items():
        value = computed[source].get(code)
        if value is not None:
            values[code], sources[code] = value, source
    return Prefill(values, sources,
                   bool(report and report.ledger_complete),
                   bool(report and report.roster_complete),
                   notes=(note,) if note else ())


def record_findings(report: Report, values: dict[str, Value | None]) -> list[checks.Finding]:
    """The completeness soft check of `values` (nothing, and no query for the records, while
    the officer has declared neither record complete)."""
    if not (report.ledger_complete or report.roster_complete):
        return []
    prefill = prefill_for(report.base, report.year, report=report)
    return checks.record_findings(values, prefill.values, prefill.sources,
                                  complete=prefill.complete)
