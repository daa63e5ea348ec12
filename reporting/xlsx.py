"""Shared helpers for every workbook the portal writes (SPEC section 6).

Text that a user typed (base names, codes, comments) must reach the sheet as text, never as
a formula, whatever it starts with: openpyxl turns any string starting with "=" into a
formula and strings like "#N/A" into error values, so writers go through `set_text`.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

#: Leading characters that spreadsheet programs treat as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def safe_text(value: object) -> str:
    """The text of `value` without the control characters that an .xlsx cannot hold."""
    text = "" if value is None else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def set_text(cell: Cell, value: object) -> Cell:
    """Write `value` into `cell` as a plain string cell (data type "s"), never a formula."""
    cell.value = safe_text(value)
    # Assigning a str lets openpyxl guess "f" (formula) or "e" (error); pin it to a string.
    cell.data_type = "s"
    return cell


def write_text(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    return set_text(sheet.cell(row=row, column=column), value)


def text_cell(sheet: Worksheet, value: object):
    """A write-only-mode cell holding `value` as plain text (for streaming writers)."""
    from openpyxl.cell import WriteOnlyCell

    return set_text(WriteOnlyCell(sheet), value)
