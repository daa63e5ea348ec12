"""The annex workbook (SPEC section 6): 附件1–附件6 laid out as printed, then 排名.

Every number comes from `Cell.sheet_value` (rounded ROUND_HALF_UP, percents as fractions),
so the workbook shows exactly what the pages show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.spreadsheet import number_cell, text_cell
from reporting.statistics.annexes import RANKINGS_BY_CODE, Annex, Annexes, Cell, RankingRow

RANKING_SHEET = "排名"
RANKING_COLUMNS = ("ranking", "place", "base_code", "base_name", "value")
#: The workbook always carries the top 10 of every ranking (SPEC section 5).
WORKBOOK_TOP = 10
PREVIEW_NOTE = "（预览：含已提交未审核数据）"

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


def write_annex_workbook(annexes: Annexes, rankings: Mapping[str, Sequence[RankingRow]],
                         file: str | PathLike[str] | IO[bytes], *, note: str | None = None
                         ) -> None:
    """`note`: the year's data note (`selectors.data_note`), added to every annex's title."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for annex in annexes:
        _write_annex(workbook.create_sheet(annex.sheet_name), annex, preview=annexes.preview,
                     note=note)
    _write_rankings(workbook.create_sheet(RANKING_SHEET), rankings)
    workbook.save(file)


def _write_annex(sheet: Worksheet, annex: Annex, *, preview: bool,
                 note: str | None = None) -> None:
    width = annex.width
    title = text_cell(sheet, annex.title + (PREVIEW_NOTE if preview else "")
                      + (f"（{note}）" if note else ""), row=1, column=1)
    title.font, title.alignment = Font(bold=True, size=13), CENTER
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    next_row = _write_header(sheet, annex, first_row=2)
    for offset, row in enumerate(annex.rows):
        text_cell(sheet, row.label, row=next_row + offset, column=1)
        for column, cell in enumerate(row.cells, start=2):
            _write_value(sheet, next_row + offset, column, cell)
    sheet.column_dimensions["A"].width = 32
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = sheet.cell(row=next_row, column=2)


def _write_header(sheet: Worksheet, annex: Annex, *, first_row: int) -> int:
    """Lay out the header rows (HTML span semantics) and merge spanned cells; returns the
    first row after the header."""
    taken: set[tuple[int, int]] = set()
    for r, header_cells in enumerate(annex.header, start=first_row):
        column = 1
        for header in header_cells:
            while (r, column) in taken:
                column += 1
            cell = text_cell(sheet, header.text, row=r, column=column)
            cell.font, cell.alignment = BOLD, CENTER
            last_row, last_column = r + header.rowspan - 1, column + header.colspan - 1
            taken.update((rr, cc) for rr in range(r, last_row + 1)
                         for cc in range(column, last_column + 1))
            if (last_row, last_column) != (r, column):
                sheet.merge_cells(start_row=r, start_column=column, end_row=last_row,
                                  end_column=last_column)
            column = last_column + 1
    return first_row + len(annex.header)


def _write_value(sheet: Worksheet, row: int, column: int, cell: Cell) -> None:
    if cell.literal is not None:
        text_cell(sheet, cell.literal, row=row, column=column).alignment = Alignment(
            horizontal="right")
        return
    number_cell(sheet, cell.sheet_value, cell.number_format, row=row, column=column)


def _write_rankings(sheet: Worksheet, rankings: Mapping[str, Sequence[RankingRow]]) -> None:
    for column, heading in enumerate(RANKING_COLUMNS, start=1):
        text_cell(sheet, heading, row=1, column=column).font = BOLD
    row = 2
    for code, places in rankings.items():
        definition = RANKINGS_BY_CODE[code]
        value_format = "0" if definition.is_int else "0." + "0" * definition.decimals
        for place in places[:WORKBOOK_TOP]:
            text_cell(sheet, code, row=row, column=1)
            number_cell(sheet, place.place, row=row, column=2)
            text_cell(sheet, place.base_code, row=row, column=3)
            text_cell(sheet, place.base_name, row=row, column=4)
            number_cell(sheet, place.value, value_format, row=row, column=5)
            row += 1
    for column, width in zip("ABCDE", (32, 8, 14, 40, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
