"""Rows of figures for the filing form and the report page, built from the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms

from reporting import indicators
from reporting.filing.checks import Finding
from reporting.indicators import SERVICE_CATEGORIES, Value


def change_percent(value: Value | None, previous: Value | None) -> Decimal | None:
    if (value is None or previous is None or isinstance(value, bool)
            or isinstance(previous, bool) or previous == 0):
        return None
    change = (Decimal(value) / Decimal(previous) - 1) * 100
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def display(indicator: indicators.Indicator, value: Value | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return f"{value:,}" if indicator.kind == "int" else f"{value:,.{indicator.decimals}f}"


def display_snapshot(indicator: indicators.Indicator, text: str) -> str:
    """A figure as a submission snapshot stored it ("760000.00", "true"), shown as the form
    shows figures; "—" (absent) and anything unreadable pass through unchanged."""
    try:
        value = indicator.parse(text)
    except indicators.InvalidValue:
        return text
    return text if value is None else display(indicator, value)


@dataclass
class FigureRow:
    indicator: indicators.Indicator
    value: Value | None
    previous: Value | None
    bound_field: forms.BoundField | None = None
    comment: str = ""
    findings: list[Finding] = field(default_factory=list)
    explanations: dict[str, str] = field(default_factory=dict)
    #: The figure computed from the base's ledger or roster, and which one ("" if none).
    record: Value | None = None
    record_source: str = ""

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def has_input(self) -> bool:
        # Not `{% if row.bound_field %}`: a BoundField's truth is len(subwidgets), which
        # builds the widget's whole context a second time.
        return self.bound_field is not None

    @property
    def errors(self) -> list[str]:
        return list(self.bound_field.errors) if self.bound_field is not None else []

    @property
    def shown(self) -> str:
        return display(self.indicator, self.value)

    @property
    def previous_shown(self) -> str:
        return display(self.indicator, self.previous)

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.value, self.previous)

    @property
    def record_label(self) -> str:
        return indicators.RECORD_LABELS.get(self.record_source, "")

    @property
    def record_shown(self) -> str:
        return display(self.indicator, self.record)

    @property
    def record_differs(self) -> bool:
        return self.value is not None and self.record is not None and self.value != self.record

    @property
    def finding_items(self) -> list[tuple[Finding, str]]:
        return [(f, self.explanations.get(f.check, "")) for f in self.findings]


@dataclass
class Section:
    key: str
    label: str
    rows: list[FigureRow]
    service_rows: list[tuple[str, FigureRow, FigureRow]] = field(default_factory=list)


def build_sections(
    *,
    values: dict[str, Value | None],
    previous: dict[str, Value],
    form: forms.Form | None = None,
    field_comments: dict[str, str] | None = None,
    findings: list[Finding] | None = None,
    explanations: dict[str, str] | None = None,
    records: dict[str, Value] | None = None,
    record_sources: dict[str, str] | None = None,
) -> list[Section]:
    values = indicators.with_derived({k: v for k, v in values.items() if v is not None})
    previous = indicators.with_derived(previous)
    field_comments = field_comments or {}
    explanations = explanations or {}
    records, record_sources = records or {}, record_sources or {}
    by_field: dict[str, list[Finding]] = {}
    for finding in findings or []:
        by_field.setdefault(finding.field, []).append(finding)

    def row(indicator: indicators.Indicator) -> FigureRow:
        bound = form[indicator.code] if form is not None and not indicator.derived else None
        return FigureRow(indicator, values.get(indicator.code), previous.get(indicator.code),
                         bound, field_comments.get(indicator.code, ""),
                         by_field.get(indicator.code, []), explanations,
                         records.get(indicator.code), record_sources.get(indicator.code, ""))

    sections = []
    for key, label in indicators.SECTIONS.items():
        if key == indicators.SERVICES:
            service_rows = [
                (c.label, row(indicators.BY_CODE[c.sessions_code]),
                 row(indicators.BY_CODE[c.enterprises_code]))
                for c in SERVICE_CATEGORIES
            ]
            sections.append(Section(key, label, [], service_rows))
        else:
            sections.append(Section(key, label, [row(i) for i in indicators.in_section(key)]))
    return sections


@dataclass(frozen=True)
class Problem:
    """One thing that stopped a submission, for the summary at the top of the form."""

    anchor: str  # the id of the input or explanation box to jump to
    label: str
    message: str
    needs_explanation: bool


def problems(sections: list[Section]) -> list[Problem]:
    """Every error and every unexplained finding of the form, in the form's order: the
    officer sees them all at the top instead of scrolling thousands of pixels for red."""
    found = []
    for section in sections:
        rows = section.rows or [row for _, *pair in section.service_rows for row in pair]
        for row in rows:
            label = row.indicator.label
            if row.has_input:
                found += [Problem(row.bound_field.id_for_label, label, error, False)
                          for error in row.errors]
            found += [Problem(f"explain-{finding.check}", label, finding.message, True)
                      for finding, explanation in row.finding_items
                      if not explanation.strip()]
    return found
