"""The annex workbook (SPEC section 6): 附件1–附件6 laid out as printed, then 排名.

Every number comes from `Cell.sheet_value` (rounded ROUND_HALF_UP, percents as fractions),
so the workbook shows exactly what the pages show. Each annex sheet is set up to print as
the bulletin's page: "附件N" at the top left, the title, the table in thin borders with its
merged group headers, A4 fit to one page wide, header rows repeated, and a footer with the
page number and the data note (approved n/N bases, the date computed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from os import PathLike
from typing import IO

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from bases.models import Base
from portal.sheet_layout import (
    BOLD,
    CENTER,
    HEADER_FILL,
    LABEL_FONT,
    LEFT,
    RIGHT,
    SECTION_FILL,
    TITLE_FONT,
    box,
    number_format,
    page_setup,
    set_widths,
)
from portal.spreadsheet import number_cell, text_cell
from reporting.indicators import SCALED_UNITS, WAN
from reporting.statistics.annexes import (
    RANKINGS_BY_CODE,
    Annex,
    Annexes,
    Cell,
    RankingDef,
    RankingRow,
)

RANKING_SHEET = "排名"
#: The 排名 sheet's one header row: for people, then for machines (SPEC section 6).
RANKING_COLUMNS = ("指标", "名次", "基地名称", "数值", "单位", "指标代码", "基地代码",
                   "数值（原单位）")
RANKING_WIDTHS = (30, 6, 34, 13, 10, 30, 12, 16)
#: Columns the printout shows: the people's five.
RANKING_PRINTED = 5
#: The workbook always carries the top 10 of every ranking (SPEC section 5).
WORKBOOK_TOP = 10
PREVIEW_NOTE = "（预览：含已提交未审核数据）"
#: Printed widths: the label column, and the value columns of narrow and wide tables.
LABEL_WIDTH = 36
VALUE_WIDTH = 15
WIDE_VALUE_WIDTH = 12
#: Tables wider than this many value columns print landscape (附件4).
PORTRAIT_COLUMNS = 4
FIRST_HEADER_ROW = 3
#: Decimals of a ranking shown in 万平方米 or 亿元, as the bulletin's running text has them.
RANKING_SCALED_DECIMALS = 2


def registered_bases(*, year: int, city_id: int | None = None) -> int:
    """N of the data note: bases on the register in `year` (designated by then, not
    delisted before it), of one city when `city_id` is given."""
    bases = Base.objects.filter(Q(year_designated__isnull=True) | Q(year_designated__lte=year))
    bases = bases.exclude(delisted_on__year__lt=year)
    if city_id is not None:
        bases = bases.filter(city_id=city_id)
    return bases.count()


def data_note(annexes: Annexes, *, registered: int, computed: dt.date) -> str:
    """The footer's data note: 数据：已审核报表 98/102 家基地，计算于 2026-11-30."""
    source = "已审核及已提交报表" if annexes.preview else "已审核报表"
    return f"数据：{source} {annexes.n}/{registered} 家基地，计算于 {computed.isoformat()}"


def write_annex_workbook(annexes: Annexes, rankings: Mapping[str, Sequence[RankingRow]],
                         file: str | PathLike[str] | IO[bytes], *,
                         registered: int | None = None,
                         computed: dt.date | None = None,
                         incomplete: str | None = None, duplicates: str = "") -> None:
    """The annexes and rankings as a print-ready workbook. `registered` (N of the data
    note) defaults to the bases on the register in the annexes' year and region;
    `incomplete` ("数据未完整：已审核 n/N 家…", `selectors.data_note`) is added to every
    annex's title when the year is not complete; `duplicates` (the roster's 重复入驻 note,
    `statistics.roster.duplicates_note`) is printed under every table when there are any."""
    if registered is None:
        registered = registered_bases(year=annexes.year, city_id=annexes.city_id)
    note = data_note(annexes, registered=registered,
                     computed=computed or timezone.localdate())
    workbook = Workbook()
    workbook.remove(workbook.active)
    for annex in annexes:
        _write_annex(workbook.create_sheet(annex.sheet_name), annex, preview=annexes.preview,
                     note=note, incomplete=incomplete, duplicates=duplicates)
    _write_rankings(workbook.create_sheet(RANKING_SHEET), rankings, year=annexes.year,
                    note=note)
    workbook.save(file)


def _write_annex(sheet: Worksheet, annex: Annex, *, preview: bool, note: str,
                 incomplete: str | None = None, duplicates: str = "") -> None:
    width = annex.width
    label = text_cell(sheet, annex.sheet_name, row=1, column=1)
    label.font, label.alignment = LABEL_FONT, LEFT
    title = text_cell(sheet, annex.title + (PREVIEW_NOTE if preview else "")
                      + (f"（{incomplete}）" if incomplete else ""), row=2, column=1)
    title.font, title.alignment = TITLE_FONT, CENTER
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.row_dimensions[2].height = 40
    next_row = _write_header(sheet, annex, first_row=FIRST_HEADER_ROW)
    for offset, row in enumerate(annex.rows):
        text_cell(sheet, row.label, row=next_row + offset, column=1).alignment = LEFT
        sheet.row_dimensions[next_row + offset].height = 24
        for column, cell in enumerate(row.cells, start=2):
            _write_value(sheet, next_row + offset, column, cell)
    last_row = next_row + len(annex.rows) - 1
    box(sheet, FIRST_HEADER_ROW, last_row, 1, width)
    if duplicates:
        remark = text_cell(sheet, duplicates, row=last_row + 1, column=1)
        remark.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=last_row + 1, start_column=1, end_row=last_row + 1,
                          end_column=width)
        sheet.row_dimensions[last_row + 1].height = 32
    wide = width - 1 > PORTRAIT_COLUMNS
    set_widths(sheet, (LABEL_WIDTH, *[WIDE_VALUE_WIDTH if wide else VALUE_WIDTH] * (width - 1)))
    sheet.freeze_panes = sheet.cell(row=next_row, column=2)
    page_setup(sheet, landscape=wide, pages_tall=1, footer=note,
               title_rows=f"{FIRST_HEADER_ROW}:{next_row - 1}")


def _write_header(sheet: Worksheet, annex: Annex, *, first_row: int) -> int:
    """Lay out the header rows (HTML span semantics) and merge spanned cells; returns the
    first row after the header."""
    taken: set[tuple[int, int]] = set()
    for r, header_cells in enumerate(annex.header, start=first_row):
        sheet.row_dimensions[r].height = 24
        column = 1
        for header in header_cells:
            while (r, column) in taken:
                column += 1
            cell = text_cell(sheet, header.text, row=r, column=column)
            cell.font, cell.alignment, cell.fill = BOLD, CENTER, HEADER_FILL
            last_row, last_column = r + header.rowspan - 1, column + header.colspan - 1
            taken.update((rr, cc) for rr in range(r, last_row + 1)
                         for cc in range(column, last_column + 1))
            if (last_row, last_column) != (r, column):
                for rr in range(r, last_row + 1):  # the fill under the whole merged area
                    for cc in range(column, last_column + 1):
                        sheet.cell(row=rr, column=cc).fill = HEADER_FILL
                sheet.merge_cells(start_row=r, start_column=column, end_row=last_row,
                                  end_column=last_column)
            column = last_column + 1
    return first_row + len(annex.header)


def _write_value(sheet: Worksheet, row: int, column: int, cell: Cell) -> None:
    if cell.literal is not None:
        text_cell(sheet, cell.literal, row=row, column=column).alignment = RIGHT
        return
    number_cell(sheet, cell.sheet_value, cell.number_format,  # type: ignore[arg-type]
                row=row, column=column).alignment = RIGHT


def _bulletin_unit(definition: RankingDef) -> tuple[str, int, int]:
    """(unit, scale, decimals) a ranking's values are shown in: 万平方米 and 亿元 as the
    bulletin prints them, other units as entered."""
    unit = definition.unit
    if unit in SCALED_UNITS:
        return SCALED_UNITS[unit], WAN, RANKING_SCALED_DECIMALS
    return unit, 0, 0 if definition.is_int else definition.decimals


def _ranking_title(definition: RankingDef) -> str:
    unit, _, _ = _bulletin_unit(definition)
    return f"{definition.title}（{unit}）"


def _write_rankings(sheet: Worksheet, rankings: Mapping[str, Sequence[RankingRow]], *,
                    year: int, note: str) -> None:
    for column, heading in enumerate(RANKING_COLUMNS, start=1):
        cell = text_cell(sheet, heading, row=1, column=column)
        cell.font, cell.alignment, cell.fill = BOLD, CENTER, HEADER_FILL
    row = 2
    for number, (code, places) in enumerate(rankings.items(), start=1):
        definition = RANKINGS_BY_CODE[code]
        unit, scale, decimals = _bulletin_unit(definition)
        entry_format = number_format(0 if definition.is_int else definition.decimals)
        heading = text_cell(sheet, f"{number}. {year}年 {_ranking_title(definition)}"
                                   f"（前{WORKBOOK_TOP}名）", row=row, column=1)
        heading.font, heading.fill, heading.alignment = BOLD, SECTION_FILL, LEFT
        sheet.merge_cells(start_row=row, start_column=1, end_row=row,
                          end_column=RANKING_PRINTED)
        row += 1
        for place in places[:WORKBOOK_TOP]:
            shown = Cell(Decimal(place.value), decimals, scale).rounded
            text_cell(sheet, definition.title, row=row, column=1).alignment = LEFT
            number_cell(sheet, place.place, row=row, column=2).alignment = CENTER
            text_cell(sheet, place.base_name, row=row, column=3).alignment = LEFT
            number_cell(sheet, shown, number_format(decimals), row=row, column=4)
            text_cell(sheet, unit, row=row, column=5).alignment = CENTER
            text_cell(sheet, code, row=row, column=6)
            text_cell(sheet, place.base_code, row=row, column=7)
            number_cell(sheet, place.value, entry_format, row=row, column=8)
            row += 1
    box(sheet, 1, row - 1, 1, RANKING_PRINTED)
    set_widths(sheet, RANKING_WIDTHS)
    sheet.freeze_panes = "A2"
    page_setup(sheet, title_rows="1:1", footer=note, print_area=f"A1:E{max(row - 1, 1)}")

