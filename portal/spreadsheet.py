"""The one cell writer for every workbook the portal writes (SPEC section 6).

Text a user typed (base names, codes, comments, audit details) reaches a sheet as text,
never as a formula, whatever it starts with:

- Text cells are pinned to the string type ("s"). openpyxl would otherwise store a string
  starting with "=" as a formula and "#N/A" as an error value. Control characters that an
  .xlsx cannot hold are removed.
- Text starting with = + - or @ gets an apostrophe in front, as part of the cell value.
  The .xlsx alone would be safe without it, but a user who saves the sheet as CSV and opens
  that CSV again gets live formulas back; the apostrophe keeps them text there too. It is
  visible in the cell: a reader sees that the text was neutralised, not changed. The
  importers remove exactly that apostrophe again (`unescape_text`), so export then import
  changes nothing. Leading apostrophes count as part of the prefix ("'=x" is written
  "''=x"), which makes escaping one-to-one: every text comes back exactly.

Number cells hold Decimal or int, never float: the exact value reaches openpyxl, which
turns it into a double only when it writes the file, because Excel stores every number as
an IEEE double (up to 15 significant digits the cell shows exactly the Decimal). That is
the only binary-float step; no arithmetic is ever done on floats. Rounding is the caller's
(statistics round ROUND_HALF_UP before they get here).

Dates and times go through `date_cell` (ISO order, whatever the reader's locale).

All writers work in normal sheets (give `row` and `column`: the cell at that place) and in
write-only, streaming sheets (leave them out: a value for `sheet.append`, a plain str or
number when openpyxl writes it exactly the same, else a cell).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, overload

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell

#: Leading characters that spreadsheet programs treat as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")
#: Excel's own "this is text" mark; here it is kept in the value (see the module docstring).
APOSTROPHE = "'"

_FORMULA_CLASS = "[" + re.escape("".join(FORMULA_PREFIXES)) + "]"
_NEEDS_APOSTROPHE = re.compile(f"{APOSTROPHE}*{_FORMULA_CLASS}")
_HAS_APOSTROPHE = re.compile(f"{APOSTROPHE}+{_FORMULA_CLASS}")
_NUMBER_TYPES = frozenset((int, Decimal))  # exact types: bool and float are refused


def safe_text(value: object) -> str:
    """The text of `value` without the control characters that an .xlsx (or .docx) cannot
    hold; tabs and line breaks stay."""
    text = "" if value is None else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def escape_text(value: object) -> str:
    """`safe_text(value)`, with an apostrophe in front when it would read as a formula."""
    text = safe_text(value)
    if _NEEDS_APOSTROPHE.match(text):
        return APOSTROPHE + text
    return text


def unescape_text(text: str) -> str:
    """The text `escape_text` was given: drops the one apostrophe it put before = + - @.

    Any other apostrophe is the user's and stays."""
    if _HAS_APOSTROPHE.match(text):
        return text[1:]
    return text


def _place(sheet: Any, row: int | None, column: int | None) -> Cell:
    """The cell at (row, column) of a normal sheet, or a new cell for a write-only one."""
    if row is None:
        return WriteOnlyCell(sheet)
    return sheet.cell(row=row, column=column)


def set_text(cell: Cell, value: object) -> Cell:
    """Write `value` into `cell` as escaped text, data type "s" whatever it looks like."""
    cell.value = escape_text(value)
    # Assigning a str lets openpyxl guess "f" (formula) or "e" (error); pin it to a string.
    cell.data_type = "s"
    return cell


@overload
def text_cell(sheet: Any, value: object, *, row: int, column: int) -> Cell: ...
@overload
def text_cell(sheet: Any, value: object) -> str | Cell: ...
def text_cell(sheet: Any, value: object, *, row: int | None = None,
              column: int | None = None) -> str | Cell:
    """THE writer of text cells (see the module docstring).

    With `row` and `column` (normal sheets): the cell there, written. Without (write-only
    sheets): something to pass to `sheet.append`, the plain str when openpyxl stores it as
    that very string anyway (it then skips building a cell), else a pinned text cell.
    """
    if row is None:
        text = escape_text(value)
        # escape_text never returns a text starting with "=": only error codes need a cell.
        if text not in ERROR_CODES:
            return text
    return set_text(_place(sheet, row, column), value)


@overload
def number_cell(sheet: Any, value: Decimal | int | None, number_format: str | None = None,
                *, row: int, column: int) -> Cell: ...
@overload
def number_cell(sheet: Any, value: Decimal | int | None,
                number_format: str | None = None) -> Decimal | int | None | Cell: ...
def number_cell(sheet: Any, value: Decimal | int | None, number_format: str | None = None,
                *, row: int | None = None,
                column: int | None = None) -> Decimal | int | None | Cell:
    """THE writer of number cells: a Decimal or int (None: empty), in `number_format`
    (None: the sheet's General format). Floats and bools raise TypeError, NaN ValueError.

    With `row` and `column` (normal sheets): the cell there, written. Without (write-only
    sheets): something to pass to `sheet.append`, the number itself when it needs no
    format, else a cell carrying the format.
    """
    if value is not None:
        # Checked inline: the data workbook sends hundreds of thousands of values here.
        kind = type(value)
        if kind not in _NUMBER_TYPES:
            raise TypeError(f"a number cell takes Decimal or int, not {kind.__name__}")
        if kind is Decimal and not value.is_finite():  # type: ignore[union-attr]
            raise ValueError(f"a number cell cannot hold {value}")
    if row is None and number_format is None:
        return value
    cell = _place(sheet, row, column)
    cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def date_cell(sheet: Any, value: dt.date | None, *, row: int | None = None,
              column: int | None = None) -> Cell | None:
    """THE writer of dates and times (naive, local): a date cell in ISO order, whatever the
    reader's locale. A datetime with a time zone raises (Excel has none: convert first)."""
    if value is None:
        return None if row is None else _place(sheet, row, column)
    if not isinstance(value, dt.date):
        raise TypeError(f"a date cell takes a date or datetime, not {type(value).__name__}")
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("convert the time to local time without a time zone first")
    cell = _place(sheet, row, column)
    cell.value = value
    cell.number_format = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
    return cell
