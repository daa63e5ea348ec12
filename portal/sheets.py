"""The one reader of uploaded workbooks: the guard first, then calamine; positioned errors.

Every importer (the data workbook in reporting, the ledger's and the roster's workbooks in
bases) reads through here, so none opens a file the guard (portal/uploads.py) refused, and
every problem reaches the user as a `CellError` naming the sheet, row and column.

calamine (Rust) reads a whole sheet into a grid, many times faster than openpyxl's read-only
mode, after the guard has bounded its rows, columns and text. An empty cell reads as "", a
number as a float whatever its format shows, a date-formatted cell as a date or datetime, a
boolean as a bool. Cells the guard flagged (a formula without a cached value, an Excel error
value) come back as `Note`s carrying the message for the user.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.http import FileResponse
from python_calamine import CalamineWorkbook

from portal.numbers import NumberSyntaxError, parse_number_text
from portal.spreadsheet import safe_text, unescape_text
from portal.uploads import (
    CORRUPT,
    SheetScan,
    Source,
    UploadRefused,
    UploadScan,
    binary,
    check_upload,
)

#: Errors listed for the user; past this many they are only counted.
MAX_ERRORS = 200


@dataclass(frozen=True)
class CellError:
    """One problem in a workbook, positioned for the user."""

    sheet: str
    row: int | None
    column: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f" {self.column}列"
        if self.field:
            where += f"（{self.field}）"
        return f"{where}：{self.message}" if where else self.message


class ErrorList(list[CellError]):
    """Errors in reading order: the first `cap` kept, every one counted in `total`.

    A file with an error in each of 20,000 rows must not hold a million messages."""

    def __init__(self, errors: Iterable[CellError] = (), *, cap: int = MAX_ERRORS) -> None:
        super().__init__()
        self.cap = cap
        self.total = 0
        self.extend(errors)

    def append(self, error: CellError) -> None:
        self.total += 1
        if len(self) < self.cap:
            super().append(error)

    def extend(self, errors: Iterable[CellError]) -> None:
        kept = 0
        for error in errors:
            self.append(error)
            kept += 1
        self.total += max(getattr(errors, "total", kept) - kept, 0)

    @property
    def untold(self) -> int:
        """Errors counted but not kept."""
        return self.total - len(self)


class Note:
    """A cell the guard flagged (formula without a value, error value): an error here."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def sheet_rows(workbook: CalamineWorkbook, name: str, scan: SheetScan | None) -> list[list]:
    """Every row of the sheet from row 1 and column A, the guard's notes put in their cells."""
    rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    for note in scan.notes if scan else ():
        while len(rows) < note.row:
            rows.append([])
        row = rows[note.row - 1]
        if len(row) < note.column:
            row.extend([""] * (note.column - len(row)))
        row[note.column - 1] = Note(note.message)
    return rows


def read_sheets(file: Source, *, max_bytes: int | None = None, max_rows: int | None = None,
                scan: UploadScan | None = None) -> dict[str, list[list]]:
    """Every sheet of an uploaded workbook (name -> rows), in the workbook's order.

    Raises UploadRefused with a message for the user: the guard's, or CORRUPT when the
    parser fails on a file the guard let through (never a server error).
    """
    scan = scan or check_upload(file, max_bytes, max_rows=max_rows)
    try:
        with binary(file) as (handle, _name):
            workbook = CalamineWorkbook.from_filelike(handle)
        try:
            return {name: sheet_rows(workbook, name, scan.sheet(name))
                    for name in workbook.sheet_names}
        finally:
            workbook.close()
    except UploadRefused:
        raise
    except Exception:  # any parser failure is the file's fault
        raise UploadRefused(CORRUPT) from None


# --- cell values -------------------------------------------------------------------------

CONTROL_CHARACTERS = "含有不可见的控制字符（如 NUL），请删除后再上传"
#: The characters an .xlsx cannot hold (ILLEGAL_CHARACTERS_RE), as one class: faster. Every
#: reader of uploaded cells (here, the data workbook's, the roster's fast path) uses it.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class CellProblem(ValueError):
    """A cell that cannot be read as asked; the message is for the user."""


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def clean_text(raw: object) -> str:
    """A header or key cell as text (1.0 reads as "1"), without the writer's apostrophe."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return unescape_text(safe_text(raw).strip())


def text_value(raw: object) -> str:
    """A cell read as text typed by a user; CellProblem for a flagged cell or control
    characters (an .xlsx cannot hold them: the file was made to carry them)."""
    if type(raw) is Note:
        raise CellProblem(raw.message)
    if type(raw) is str:
        if CONTROL.search(raw):
            raise CellProblem(CONTROL_CHARACTERS)
        return unescape_text(raw.strip())  # the writer's apostrophe (portal.spreadsheet)
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return clean_text(raw)


def whole_number(raw: object) -> int | None:
    """An int from a cell (1, 1.0, "1"), or None when it is not a whole number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    number = decimal_value(raw)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def number_value(raw: object, *, max_digits: int = 14) -> Decimal:
    """An exact Decimal from a number cell or from text in the one number syntax
    (portal.numbers); CellProblem saying why not.

    A float cell gives its value to 15 significant digits, Excel's precision: what Excel
    shows, not the binary residue of a sum (=30.01+2 is stored as 32.010000000000005).
    `max_digits` bounds the integer part, so a huge value never reaches int() or
    quantize() (9e999999999 would build a billion digits)."""
    kind = type(raw)
    if kind is float:
        if not math.isfinite(raw):
            raise CellProblem("必须是数字")
        number = Decimal(f"{raw:.15g}")
    elif kind is int:
        number = Decimal(raw)
    elif kind is str:
        if CONTROL.search(raw):
            raise CellProblem(CONTROL_CHARACTERS)
        try:
            number = parse_number_text(unescape_text(raw), signed=True)
        except NumberSyntaxError as exc:
            raise CellProblem(str(exc)) from None
    elif kind is Note:
        raise CellProblem(raw.message)
    else:
        raise CellProblem("必须是数字")
    if number.adjusted() >= max_digits:
        raise CellProblem(f"数值过大（整数部分最多{max_digits}位）")
    return number


def decimal_value(raw: object, *, max_digits: int = 14) -> Decimal | None:
    """`number_value`, or None when the cell is not a number."""
    try:
        return number_value(raw, max_digits=max_digits)
    except CellProblem:
        return None


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def date_value(raw: object) -> dt.date | None:
    """A date from a date cell or from text such as 2018-05-10, 2018/5/10 or 2018年5月10日."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        return None
    match = _DATE.fullmatch(raw.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def bool_value(raw: object) -> bool | None:
    """是/否, TRUE/FALSE, 1/0 (SPEC section 6); None when it is none of them."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = clean_text(raw).lower() if isinstance(raw, str) else ""
    if text in ("是", "true", "1", "y", "yes"):
        return True
    if text in ("否", "false", "0", "n", "no"):
        return False
    return None


# --- downloads ---------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(write: Callable[[IO[bytes]], object], filename: str) -> FileResponse:
    """A download of the workbook `write` puts in a file: written to a temporary file
    first (an export of the whole province stays out of memory), then streamed."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        write(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=XLSX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
