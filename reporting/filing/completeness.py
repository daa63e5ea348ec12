"""Who has filed for a round: counts by state, on time or late, by city, and who is missing;
in a two-level round also where the city review stands (awaiting, passed, returned by the
city, overdue past the city review deadline).

A base is expected in a round from its designation year on (`selectors.expected_in`), and a
base that filed anyway is counted too. On time or late is the first submission against the
base's deadline (`rounds.is_late`, extensions included); a report created by an import was
never submitted through the portal, so it is 导入, neither on time nor late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from openpyxl import Workbook

from bases.models import Base
from portal.sheet_layout import header_cells, page_setup, set_widths
from portal.spreadsheet import date_cell, number_cell, text_cell
from reporting.filing.rounds import city_review_overdue, deadlines, is_late
from reporting.filing.selectors import expected_in
from reporting.models import Report, Round, Status, Transition

NOT_STARTED = "not_started"
STATES = [(NOT_STARTED, "未开始"), *Status.choices]
AWAITING, PASSED, CITY_RETURNED, OVERDUE = "awaiting", "passed", "returned", "overdue"
#: The city review column of a two-level round; overdue ones are also counted as awaiting.
CITY_REVIEW = [(AWAITING, "待市州审核"), (PASSED, "市州已通过"), (CITY_RETURNED, "市州退回"),
               (OVERDUE, "市州逾期未审")]


@dataclass
class BaseFilingState:
    """Where one base stands in the round: its report's state and whether it is late."""

    code: str
    name: str
    city: str
    state: str
    deadline: dt.date
    late: bool
    #: Two-level rounds: AWAITING, PASSED, CITY_RETURNED or "" (and whether it is overdue).
    city_review: str = ""
    city_overdue: bool = False
    imported: bool = False

    @property
    def state_label(self) -> str:
        return dict(STATES)[self.state]

    @property
    def timing_label(self) -> str:
        return "导入" if self.imported else "逾期" if self.late else ""


def states_for(round_: Round) -> list[tuple[str, str]]:
    """The states a round's reports can be in: city_approved only in a two-level round."""
    return [(key, label) for key, label in STATES
            if round_.two_level or key != Status.CITY_APPROVED]


@dataclass
class Tally:
    label: str
    counts: dict[str, int]
    on_time: int = 0
    late: int = 0
    city_review: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in CITY_REVIEW})
    imported: int = 0

    def add(self, state: BaseFilingState) -> None:
        self.counts[state.state] += 1
        if state.city_review:
            self.city_review[state.city_review] += 1
        if state.city_overdue:
            self.city_review[OVERDUE] += 1
        if state.imported:
            self.imported += 1
        elif state.late:
            self.late += 1
        elif state.state in (Status.SUBMITTED, Status.CITY_APPROVED, Status.RETURNED,
                             Status.APPROVED):
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
    def states(self) -> list[tuple[str, str]]:
        return states_for(self.round)

    @property
    def missing(self) -> list[BaseFilingState]:
        return [b for b in self.bases if b.state in (NOT_STARTED, Status.DRAFT)]


def completeness(round_: Round, today: dt.date | None = None) -> Completeness:
    """Four queries however many bases: bases, this year's reports, the reports an import
    created, extensions."""
    today = today or timezone.localdate()
    reports_of_year = Report.objects.filter(year=round_.year)
    fields = ["base_id", "status", "first_submitted_at"]
    if round_.two_level:
        # Two subqueries in the same one query: did the city pass the current submission,
        # and was the last return the city's.
        reviews = Transition.objects.filter(report=OuterRef("pk"))
        reports_of_year = reports_of_year.annotate(
            city_passed=Exists(reviews.filter(action=Transition.Action.CITY_APPROVE,
                                              at__gte=OuterRef("submitted_at"))),
            last_return=Subquery(reviews.filter(action__in=[
                Transition.Action.RETURN, Transition.Action.CITY_RETURN,
                Transition.Action.REOPEN]).order_by("-at", "-id").values("action")[:1]))
        fields += ["city_passed", "last_return"]
    reports = {row["base_id"]: row for row in reports_of_year.values(*fields)}
    overdue = city_review_overdue(round_, today)
    imported = set(Transition.objects.filter(
        report__year=round_.year, action=Transition.Action.IMPORT, from_status="")
        .values_list("report__base_id", flat=True))
    extended = deadlines(round_)
    states = []
    bases = (Base.objects.filter(expected_in(round_.year) | Q(id__in=list(reports)))
             .values("id", "code", "name", "city__name", "city__sort_order")
             .order_by("city__sort_order", "code"))
    for base in bases:
        deadline = extended.get(base["id"], round_.deadline)
        report = reports.get(base["id"])
        state = report["status"] if report else NOT_STARTED
        was_imported = base["id"] in imported
        late = not was_imported and is_late(
            deadline=deadline, today=today,
            first_submitted_at=report["first_submitted_at"] if report else None)
        filing = BaseFilingState(base["code"], base["name"], base["city__name"], state,
                                 deadline, late, imported=was_imported)
        if round_.two_level and report:
            filing.city_review = _city_review(report)
            filing.city_overdue = overdue and filing.city_review == AWAITING
        states.append(filing)
    keys = [key for key, _ in states_for(round_)]
    by_city: dict[str, Tally] = {}
    total = Tally("全省", dict.fromkeys(keys, 0))
    for state in states:
        if state.city not in by_city:
            by_city[state.city] = Tally(state.city, dict.fromkeys(keys, 0))
        by_city[state.city].add(state)
        total.add(state)
    return Completeness(round_, states, list(by_city.values()), total)


def _city_review(report: dict) -> str:
    status = report["status"]
    if status == Status.SUBMITTED:
        return AWAITING
    if status == Status.CITY_APPROVED or (status == Status.APPROVED and report["city_passed"]):
        return PASSED
    if status == Status.RETURNED and report["last_return"] == Transition.Action.CITY_RETURN:
        return CITY_RETURNED
    return ""


def write_completeness_workbook(summary: Completeness, out: IO[bytes]) -> None:
    year = summary.round.year
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("按市州")
    review = CITY_REVIEW if summary.round.two_level else []
    states = summary.states
    headings = ("市州", *[label for _, label in states], "按时", "逾期", "导入", "合计",
                *[label for _, label in review])
    set_widths(sheet, (22, *[10] * (len(headings) - 1)))
    sheet.freeze_panes = "B2"
    page_setup(sheet, landscape=len(headings) > 8, title_rows="1:1",
               footer=f"{year}年度报送完成情况（按市州）")
    sheet.append(header_cells(sheet, headings))
    for tally in [*summary.by_city, summary.total]:
        sheet.append([text_cell(sheet, tally.label), *[
            number_cell(sheet, count) for count in
            (*[tally.counts[key] for key, _ in states], tally.on_time, tally.late,
             tally.imported, tally.total, *[tally.city_review[key] for key, _ in review])]])
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
                        text_cell(missing, state.timing_label)])
    workbook.save(out)
