"""Who has filed for a round: counts by state, on time or late, by city, and who is missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from django.utils import timezone
from openpyxl import Workbook

from bases.models import Base
from portal.sheet_layout import header_cells, page_setup, set_widths
from portal.spreadsheet import date_cell, number_cell, text_cell
from reporting.filing.rounds import deadlines, is_late
from reporting.models import Report, Round, Status

NOT_STARTED = "not_started"
STATES = [(NOT_STARTED, "未开始"), *Status.choices]


@dataclass
class BaseFilingState:
    """Where one base stands in the round: its report's state and whether it is late."""

    code: str
    name: str
    city: str
    state: str
    deadline: dt.date
    late: bool

    @property
    def state_label(self) -> str:
        return dict(STATES)[self.state]


@dataclass
class Tally:
    label: str
    counts: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _ in STATES})
    on_time: int = 0
    late: int = 0

    def add(self, state: BaseFilingState) -> None:
        self.counts[state.state] += 1
        if state.late:
            self.late += 1
        elif state.state in (Status.SUBMITTED, Status.RETURNED, Status.APPROVED):
            self.on_time += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Completeness:
    round: Round
    bases: list[BaseFilingState]
    by_city: list[Tally]
    total: Tally

    @property
    def missing(self) -> list[BaseFilingState]:
        return [b for b in self.bases if b.state in (NOT_STARTED, Status.DRAFT)]


def completeness(round_: Round, today: dt.date | None = None) -> Completeness:
    """Three queries however many bases: bases, this year's reports, extensions."""
    today = today or timezone.localdate()
    reports = {
        row["base_id"]: row
        for row in Report.objects.filter(year=round_.year)
        .values("base_id", "status", "first_submitted_at")
    }
    extended = deadlines(round_)
    states = []
    bases = (Base.objects.filter(status=Base.Status.ACTIVE)
             .values("id", "code", "name", "city__name", "city__sort_order")
             .order_by("city__sort_order", "code"))
    for base in bases:
        deadline = extended.get(base["id"], round_.deadline)
        report = reports.get(base["id"])
        state = report["status"] if report else NOT_STARTED
        late = is_late(deadline=deadline, today=today,
                       first_submitted_at=report["first_submitted_at"] if report else None)
        states.append(BaseFilingState(base["code"], base["name"], base["city__name"], state,
                                deadline, late))
    by_city: dict[str, Tally] = {}
    total = Tally("全省")
    for state in states:
        by_city.setdefault(state.city, Tally(state.city)).add(state)
        total.add(state)
    return Completeness(round_, states, list(by_city.values()), total)


def write_completeness_workbook(summary: Completeness, out: IO[bytes]) -> None:
    year = summary.round.year
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("按市州")
    headings = ("市州", *[label for _, label in STATES], "按时", "逾期", "合计")
    set_widths(sheet, (22, *[10] * (len(headings) - 1)))
    sheet.freeze_panes = "B2"
    page_setup(sheet, landscape=len(headings) > 8, title_rows="1:1",
               footer=f"{year}年度报送完成情况（按市州）")
    sheet.append(header_cells(sheet, headings))
    for tally in [*summary.by_city, summary.total]:
        sheet.append([text_cell(sheet, tally.label), *[
            number_cell(sheet, count) for count in
            (*[tally.counts[key] for key, _ in STATES], tally.on_time, tally.late,
             tally.total)]])
    missing = workbook.create_sheet("未提交基地")
    set_widths(missing, (12, 36, 12, 10, 12, 10))
    missing.freeze_panes = "A2"
    page_setup(missing, title_rows="1:1", footer=f"{year}年度未提交基地")
    missing.append(header_cells(missing, ("基地编码", "基地名称", "市州", "状态", "截止日期",
                                          "是否逾期")))
    for state in summary.missing:
        missing.append([text_cell(missing, state.code), text_cell(missing, state.name),
                        text_cell(missing, state.city), text_cell(missing, state.state_label),
                        date_cell(missing, state.deadline),
                        text_cell(missing, "逾期" if state.late else "")])
    workbook.save(out)
