"""The checks of SPEC section 4, driven by the catalog.

Hard checks block submission and import. Soft findings need a written explanation from the
officer; each finding has a stable `check` key that the explanation is filed under.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reporting import indicators
from reporting.indicators import SERVICE_CATEGORIES, Value

YOY_LIMIT = Decimal("0.5")
YOY_MIN_FIGURE = 10
SERVED_PER_SESSION_LIMIT = 100
MEDIAN_MULTIPLE = 10

Values = dict[str, Value | None]


@dataclass(frozen=True)
class Finding:
    """A soft-check finding about one figure."""

    kind: str
    field: str
    message: str

    @property
    def check(self) -> str:
        return f"{self.kind}:{self.field}"


def hard_errors(values: Values) -> dict[str, list[str]]:
    """Errors by indicator code; an empty dict means the report may be submitted."""
    errors: dict[str, list[str]] = defaultdict(list)
    get = values.get
    for code, required, not_above, implies in indicators.HARD_RULES:
        value = get(code)
        if value is None:
            if required:
                errors[code].append("必填")
            continue
        if not_above:
            whole = get(not_above)
            if whole is not None and value > whole:
                whole_label = indicators.BY_CODE[not_above].label
                errors[code].append(f"不能大于“{whole_label}”（{whole}）")
        if implies and value is True and get(implies) is not True:
            other = indicators.BY_CODE[implies].label
            errors[code].append(f"只有“{other}”为“是”时才能填“是”")
    for category in SERVICE_CATEGORIES:
        sessions = get(category.sessions_code)
        served = get(category.enterprises_code)
        if sessions == 0 and served not in (None, 0):
            errors[category.enterprises_code].append(
                f"{category.label}开展服务活动场次为0时，服务企业家次也应为0")
    return dict(errors)


def soft_findings(
    values: Values,
    *,
    previous: Values | None = None,
    medians: dict[str, Decimal] | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    previous = previous or {}
    get, last_of = values.get, previous.get
    for code in indicators.COMPARED_CODES if previous else ():
        value, last = get(code), last_of(code)
        if value is None or last is None or max(abs(value), abs(last)) < YOY_MIN_FIGURE:
            continue
        if last == 0:
            findings.append(Finding("yoy_change", code,
                                    f"上年为0，本年为{value}，请说明原因"))
        elif abs(Decimal(value) / Decimal(last) - 1) > YOY_LIMIT:
            change = (Decimal(value) / Decimal(last) - 1) * 100
            findings.append(Finding(
                "yoy_change", code,
                f"比上年变化{change:+.1f}%（上年{last}），超过±50%，请说明原因"))

    for indicator, share in indicators.SOFT_SHARES:
        finding = _share_finding(indicator, share, values)
        if finding is not None:
            findings.append(finding)

    for category in SERVICE_CATEGORIES:
        sessions = get(category.sessions_code)
        served = get(category.enterprises_code)
        if sessions and served is not None and served > SERVED_PER_SESSION_LIMIT * sessions:
            findings.append(Finding(
                "served_per_session", category.enterprises_code,
                f"{category.label}平均每场服务企业超过{SERVED_PER_SESSION_LIMIT}家次，请说明原因"))

    for code, median in (medians or {}).items():
        # Only a figure without its own history (a new base, a new indicator): a base's own
        # last year is the better yardstick, and the flagship is far above the median by nature.
        if median > 0 and (value := get(code)) is not None and last_of(code) is None \
                and value > MEDIAN_MULTIPLE * median:
            findings.append(Finding(
                "median_outlier", code,
                f"超过全省基地中位数（{median.normalize():f}）的{MEDIAN_MULTIPLE}倍，请说明原因"))
    return findings


def _share_finding(indicator: indicators.Indicator, share: indicators.SoftShare,
                   values: Values) -> Finding | None:
    """The figure above its catalog share of another ("服务收入超过营业收入的50%"); the check
    key, "service_revenue_share:service_revenue", is what explanations are filed under."""
    part, whole = values.get(indicator.code), values.get(share.of)
    if not whole or part is None or whole <= 0 or Decimal(part) <= share.limit * Decimal(whole):
        return None
    whole_label = indicators.BY_CODE[share.of].bulletin_label
    limit = format((share.limit * 100).normalize(), "f")
    return Finding(f"{indicator.code}_share", indicator.code,
                   f"{indicator.bulletin_label}超过{whole_label}的{limit}%，请说明原因")


def medians_by_code(rows: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Per-code median over (code, value) rows of one year's approved reports."""
    grouped: dict[str, list[Decimal]] = defaultdict(list)
    for code, value in rows:
        grouped[code].append(value)
    return _medians(grouped)


def medians_of(reports: Iterable[Values]) -> dict[str, Decimal]:
    """`medians_by_code` over reports' typed values (a whole number counts as its Decimal,
    as stored), without listing every value as a row first."""
    grouped: dict[str, list[Decimal]] = defaultdict(list)
    for values in reports:
        for code, value in values.items():
            if value is not None:
                grouped[code].append(value if type(value) is Decimal else Decimal(int(value)))
    return _medians(grouped)


def _medians(grouped: dict[str, list[Decimal]]) -> dict[str, Decimal]:
    return {code: Decimal(statistics.median(values)) for code, values in grouped.items()
            if code in indicators.COMPARED_CODES}


def missing_explanations(findings: list[Finding], explanations: dict[str, str]) -> list[Finding]:
    return [f for f in findings if not str(explanations.get(f.check, "")).strip()]


#: The completeness soft check's kind per record (SPEC section 4, "Ledger and roster").
RECORD_CHECKS: dict[str, str] = {"ledger": "ledger_differs", "roster": "roster_differs"}


def record_findings(values: Values, records: Values, sources: dict[str, str], *,
                    complete: set[str]) -> list[Finding]:
    """A reported figure that differs from the one computed from a record the officer has
    declared complete for the year ("本年度台帐完整" / "本年度名册完整"). Derived figures
    are left to their parts; a figure not yet reported is not a difference (a required one
    is the hard check's)."""
    findings: list[Finding] = []
    for indicator in indicators.ENTERED:
        source = sources.get(indicator.code)
        if source not in complete:
            continue
        value, recorded = values.get(indicator.code), records.get(indicator.code)
        if value is None or recorded is None or value == recorded:
            continue
        shown = ("是" if recorded else "否") if isinstance(recorded, bool) else recorded
        label = indicators.RECORD_LABELS[source]
        findings.append(Finding(RECORD_CHECKS[source], indicator.code,
                                f"与本年度{label}不一致（{label}：{shown}），请说明原因"))
    return findings
