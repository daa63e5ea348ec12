"""The data workbook of SPEC section 6: writing (streaming) and reading.

Sheet `bases`: code, name, city, county, batch. Sheet `reports`: base_code, year and one
column per entered indicator code. Header cells may be codes or Chinese labels.

Reading never raises on bad input: every problem becomes a `CellError` naming the sheet,
row, column and field. The upload guard (`portal.uploads.check_upload`) runs first and
refuses oversized files, decompression bombs and sheets beyond the row and column limits
before calamine ever opens them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from bases.models import BATCH_MAX, Base
from portal.sheet_layout import header_cells, number_format, page_setup, text_width
from portal.sheets import CONTROL, CONTROL_CHARACTERS, CellError, ErrorList, clean_text, is_empty
from portal.sheets import Note as _Note
from portal.sheets import sheet_rows as _sheet_rows
from portal.spreadsheet import number_cell, safe_text, text_cell, unescape_text
from portal.uploads import (
    CORRUPT,
    Source,
    UploadRefused,
    UploadScan,
    binary,
    check_upload,
)
from reporting import indicators
from reporting.indicators import InvalidValue, Value
from reporting.models import Report, ReportValue
from reporting.years import YEAR_MAX, YEAR_MIN

BASES_SHEET = "bases"
REPORTS_SHEET = "reports"
SHEET_ALIASES = {BASES_SHEET: ("bases", "基地"), REPORTS_SHEET: ("reports", "报表", "年度报表")}

BASE_COLUMNS = ("code", "name", "city", "county", "batch")
BASE_LABELS = {"code": "基地编码", "name": "基地名称", "city": "市州", "county": "县市区",
               "batch": "认定批次"}
BASE_REQUIRED_COLUMNS = ("code", "name", "city")
BASE_MAX_LENGTH = {"code": 20, "name": 100, "city": 32, "county": 50}

REPORT_KEYS = ("base_code", "year")
REPORT_KEY_LABELS = {"base_code": "基地编码", "year": "年度"}
REPORT_KEY_ALIASES = {"报送年度": "year", "基地代码": "base_code"}

CHUNK = 500

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: An upload the guard refused (the name the reporting app has always used).
WorkbookError = UploadRefused


@dataclass
class BaseSheetRow:
    row: int
    #: Only the columns present in the sheet: code, name, city, county, batch.
    data: dict[str, Any]
    columns: dict[str, str]

    @property
    def code(self) -> str:
        return self.data.get("code", "")


@dataclass
class ReportRow:
    row: int
    base_code: str
    year: int | None
    #: Every entered code; a column missing from the sheet reads as no value.
    values: dict[str, Value | None]
    #: Codes whose cell could not be parsed (already reported).
    bad_codes: set[str] = field(default_factory=set)


@dataclass
class DataWorkbook:
    bases: list[BaseSheetRow] = field(default_factory=list)
    reports: list[ReportRow] = field(default_factory=list)
    errors: ErrorList = field(default_factory=ErrorList)
    has_bases_sheet: bool = False
    has_reports_sheet: bool = False
    #: The sheets' names as found in the file (any alias of SHEET_ALIASES), so that every
    #: error names the sheet the user sees.
    bases_sheet: str = BASES_SHEET
    reports_sheet: str = REPORTS_SHEET
    #: Column letter of each key (base_code, year, indicator codes) in the reports sheet.
    report_columns: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def from_records(
        cls,
        *,
        bases: Sequence[dict[str, Any]],
        reports: Sequence[tuple[str, int, dict[str, Value | None]]],
    ) -> DataWorkbook:
        """A workbook built in memory (e.g. the demo), laid out as if read from a file,
        so that it goes through exactly the checks and writes of a real import."""
        base_columns = {key: get_column_letter(i) for i, key in enumerate(BASE_COLUMNS, 1)}
        report_columns = {key: get_column_letter(i) for i, key in
                          enumerate([*REPORT_KEYS, *indicators.ENTERED_CODES], 1)}
        return cls(
            bases=[BaseSheetRow(row, dict(data), base_columns)
                   for row, data in enumerate(bases, 2)],
            reports=[ReportRow(row, code, year, {c: values.get(c) for c in
                                                 indicators.ENTERED_CODES})
                     for row, (code, year, values) in enumerate(reports, 2)],
            has_bases_sheet=True, has_reports_sheet=True, report_columns=report_columns)


# --- writing ---------------------------------------------------------------------------


def _declare_size(sheet: Any, *, rows: int, columns: int) -> None:
    """Have a write-only sheet start with its <dimension>, as Excel's files do.

    openpyxl writes the dimension only when the sheet can tell its size before the first
    row; without it, every read-only load scans the whole sheet once just to size it.
    """
    ref = f"A1:{get_column_letter(columns)}{max(rows, 1)}"
    sheet.calculate_dimension = lambda: ref


def _number_writer(sheet: Any, indicator: indicators.Indicator) -> Callable[[Decimal], Any]:
    """stored value -> what to append for it: 是/否 text, or a number with separators."""
    convert = indicator.from_storage
    if indicator.is_bool:
        return lambda stored: BOOL_WORDS[bool(stored)]
    fmt = number_format(indicator.decimals)
    return lambda stored: number_cell(sheet, convert(stored), fmt)


#: How the data workbook writes a yes/no figure (the reader takes TRUE/FALSE and 1/0 too).
BOOL_WORDS = {True: "是", False: "否"}
BASE_WIDTHS = {"code": 12, "name": 36, "city": 12, "county": 14, "batch": 10}
#: Header rows of both sheets: Chinese labels with units, then the codes.
HEADER_ROWS = 2


def _header_rows(sheet: Any, keys: Sequence[str], labels: Sequence[str]) -> None:
    """Row 1: the Chinese labels (people), row 2: the codes (machines)."""
    sheet.append(header_cells(sheet, labels, wrap=False))
    sheet.append(header_cells(sheet, keys, wrap=False))


def report_header_label(key: str) -> str:
    """The Chinese header of a reports column: 年度, 建筑面积（平方米）…"""
    if key in REPORT_KEY_LABELS:
        return REPORT_KEY_LABELS[key]
    return indicators.BY_CODE[key].label_with_unit


def write_data_workbook(
    target: Source,
    *,
    bases: QuerySet[Base],
    reports: QuerySet[Report],
    blank_rows: Sequence[tuple[str, int]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Stream the data workbook of `bases` and `reports` to `target`; returns the report count.

    Both sheets open with two header rows (Chinese labels with units, then the codes),
    frozen, with widths that fit; numbers carry thousands separators and the catalog's
    decimals. Memory stays flat: bases are iterated in chunks, and reports are fetched
    CHUNK ids at a time with one query for their rows and one for their values.
    `blank_rows` adds (base_code, year) rows with no values, e.g. a report the officer has
    not started. `progress(done, total)` is called once the reports are counted and after
    every chunk, so that a background export can show how far it got (and prove it is alive).
    """
    workbook = Workbook(write_only=True)
    bases = bases.order_by("code")
    ids = list(reports.order_by("base__code", "year").values_list("id", flat=True))
    if progress is not None:
        progress(0, len(ids))
    base_sheet = workbook.create_sheet(BASES_SHEET)
    _declare_size(base_sheet, rows=HEADER_ROWS + bases.count(), columns=len(BASE_COLUMNS))
    for letter, key in zip("ABCDE", BASE_COLUMNS, strict=True):
        base_sheet.column_dimensions[letter].width = BASE_WIDTHS[key]
    base_sheet.freeze_panes = f"B{HEADER_ROWS + 1}"
    page_setup(base_sheet, title_rows=f"1:{HEADER_ROWS}", footer="基地名录")
    _header_rows(base_sheet, BASE_COLUMNS, [BASE_LABELS[key] for key in BASE_COLUMNS])
    rows = bases.values_list("code", "name", "city__name", "county", "batch").iterator(
        chunk_size=1000)
    for code, name, city, county, batch in rows:
        base_sheet.append([text_cell(base_sheet, code), text_cell(base_sheet, name),
                           text_cell(base_sheet, city), text_cell(base_sheet, county),
                           number_cell(base_sheet, batch)])

    report_sheet = workbook.create_sheet(REPORTS_SHEET)
    keys = (*REPORT_KEYS, *indicators.ENTERED_CODES)
    _declare_size(report_sheet, rows=HEADER_ROWS + len(ids) + len(blank_rows),
                  columns=len(keys))
    for column, key in enumerate(keys, start=1):
        # Wide enough for the label (bold) and for 13 digits with separators.
        width = max(text_width(report_header_label(key)) + 3, len(key) + 3, 14)
        report_sheet.column_dimensions[get_column_letter(column)].width = width
    report_sheet.freeze_panes = f"C{HEADER_ROWS + 1}"
    page_setup(report_sheet, landscape=True, fit=False, title_rows=f"1:{HEADER_ROWS}",
               footer="年度报表数据")
    report_sheet.print_title_cols = "A:B"
    _header_rows(report_sheet, keys, [report_header_label(key) for key in keys])
    converters = [(indicator.code, _number_writer(report_sheet, indicator))
                  for indicator in indicators.ENTERED]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        keys_by_id = {pk: (base_code, year) for pk, base_code, year in
                      Report.objects.filter(id__in=chunk).values_list("id", "base__code",
                                                                      "year")}
        values: dict[int, dict[str, Decimal]] = {report_id: {} for report_id in chunk}
        for report_id, code, stored in (ReportValue.objects.filter(report_id__in=chunk)
                                        .values_list("report_id", "code", "value")):
            values[report_id][code] = stored
        for report_id in chunk:
            if report_id not in keys_by_id:
                continue  # deleted since the ids were listed
            base_code, year = keys_by_id[report_id]
            get = values[report_id].get
            report_sheet.append([text_cell(report_sheet, base_code),
                                 number_cell(report_sheet, year), *[
                None if (stored := get(code)) is None else convert(stored)
                for code, convert in converters]])
        if progress is not None:
            progress(start + len(chunk), len(ids))
    for base_code, year in blank_rows:
        report_sheet.append([text_cell(report_sheet, base_code),
                             number_cell(report_sheet, year)])
    _save(workbook, target)
    return len(ids)


def _save(workbook: Workbook, target: Source) -> None:
    if isinstance(target, str | os.PathLike):
        workbook.save(os.fspath(target))
    else:
        workbook.save(target)  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------


def _header_key(raw: object, lookup: dict[str, str]) -> str | None:
    text = clean_text(raw)
    if not text:
        return None
    return lookup.get(text) or lookup.get(text.lower())


def _report_header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for indicator in indicators.ENTERED:
        lookup[indicator.code] = indicator.code
        lookup[indicator.label] = indicator.code
        lookup[indicator.label_with_unit] = indicator.code
        lookup[f"{indicator.label}({indicator.unit})"] = indicator.code
    for key in REPORT_KEYS:
        lookup[key] = key
        lookup[REPORT_KEY_LABELS[key]] = key
    lookup.update(REPORT_KEY_ALIASES)
    return lookup


def _base_header_lookup() -> dict[str, str]:
    lookup = {key: key for key in BASE_COLUMNS}
    lookup.update({label: key for key, label in BASE_LABELS.items()})
    return lookup


REPORT_HEADERS = _report_header_lookup()
BASE_HEADERS = _base_header_lookup()


def field_label(key: str) -> str:
    if key in indicators.BY_CODE:
        return indicators.BY_CODE[key].label
    return REPORT_KEY_LABELS.get(key) or BASE_LABELS.get(key, key)


def _text_cell(raw: object) -> tuple[str, str | None]:
    """(text, None) or ("", error message) for a cell read as text."""
    if type(raw) is str:
        if CONTROL.search(raw):
            return "", CONTROL_CHARACTERS
        return unescape_text(raw.strip()), None  # the writer's apostrophe (portal.spreadsheet)
    if type(raw) is _Note:
        return "", raw.message
    return clean_text(raw), None


def _whole_number(raw: object) -> int | None:
    """An int from a cell (1, 1.0, "1"), or None when it is not a whole number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    try:
        number = Decimal(clean_text(raw))
    except ArithmeticError:
        return None
    # adjusted() first: int() of 9e999999999 would build a billion-digit number.
    if (not number.is_finite() or number.adjusted() > 18
            or number != number.to_integral_value()):
        return None
    return int(number)


def _find_sheet(names: list[str], key: str) -> str | None:
    wanted = {alias.lower() for alias in SHEET_ALIASES[key]}
    return next((name for name in names if name.strip().lower() in wanted), None)


@dataclass
class _Header:
    keys: dict[int, str]  # 0-based column index -> key
    letters: dict[str, str]  # key -> column letter
    titled: set[int]  # every column index with a header text, known or not
    rows: int = 1  # header rows: 1, or 2 (labels above codes)


def _header_cells(row: Sequence, lookup: dict[str, str]
                  ) -> dict[int, tuple[str | None, str, str | None]]:
    """Per titled column index: (its key or None, its text, the guard's note or None)."""
    cells: dict[int, tuple[str | None, str, str | None]] = {}
    for index, raw in enumerate(row):
        if is_empty(raw):
            continue
        if type(raw) is _Note:
            cells[index] = (None, "", raw.message)
        else:
            cells[index] = (_header_key(raw, lookup), clean_text(raw), None)
    return cells


def _is_header_row(row: Sequence | None, lookup: dict[str, str]) -> bool:
    """A second header row: every filled cell is a known header text (a data row always
    has a value that is not, such as its base code or its year)."""
    if row is None:
        return False
    filled = [raw for raw in row if not is_empty(raw)]
    return bool(filled) and all(type(raw) is str and _header_key(raw, lookup) is not None
                                for raw in filled)


def _read_header(sheet_name: str, first: Sequence, second: Sequence | None,
                 lookup: dict[str, str], errors: list[CellError]) -> _Header:
    """The columns named by row 1, or by rows 1 and 2 when row 2 is a header row too
    (`second`: Chinese labels above codes, as the portal writes them). A column may be
    named in either row; where both name it they must agree."""
    above = _header_cells(first, lookup)
    below = _header_cells(second, lookup) if second is not None else {}
    keys: dict[int, str] = {}
    letters: dict[str, str] = {}
    for index in sorted(above.keys() | below.keys()):
        letter = get_column_letter(index + 1)
        upper, lower = above.get(index), below.get(index)
        if lower is not None and (lower[0] or upper is None or not upper[0]):
            (key, text, note), row = lower, 2
        else:
            assert upper is not None
            (key, text, note), row = upper, 1
        if note is not None:
            errors.append(CellError(sheet_name, row, letter, "", note))
            continue
        if key is None:
            errors.append(CellError(sheet_name, row, letter, text, "未知的列标题"))
            continue
        if upper and lower and upper[0] and lower[0] and upper[0] != lower[0]:
            errors.append(CellError(sheet_name, 2, letter, field_label(key),
                                    f"与第1行的列标题“{upper[1]}”不是同一项"))
            continue
        if key in letters:
            errors.append(CellError(sheet_name, row, letter, field_label(key),
                                    f"列标题重复（与 {letters[key]} 列相同）"))
            continue
        keys[index] = key
        letters[key] = letter
    return _Header(keys, letters, set(above.keys() | below.keys()),
                   2 if second is not None else 1)


def _header_and_rows(rows: Iterator[tuple | list], first: Sequence, name: str,
                     lookup: dict[str, str], errors: list[CellError]
                     ) -> tuple[_Header, Iterator[tuple | list]]:
    """Read the one or two header rows; the rest of `rows` are the data rows."""
    second = next(rows, None)
    if _is_header_row(second, lookup):
        return _read_header(name, first, second, lookup, errors), rows
    header = _read_header(name, first, None, lookup, errors)
    return header, rows if second is None else chain([second], rows)


def _check_untitled(sheet_name: str, row_number: int, row: tuple, header: _Header,
                    reported: set[int], errors: list[CellError]) -> None:
    for index, raw in enumerate(row):
        if index in header.titled or index in reported or is_empty(raw):
            continue
        reported.add(index)
        errors.append(CellError(sheet_name, row_number, get_column_letter(index + 1), "",
                                "该列没有列标题"))


def _base_cell(key: str, raw: object) -> tuple[Any, str | None]:
    """(value, None) or (None, error message) for one cell of the bases sheet."""
    if type(raw) is _Note:
        return None, raw.message
    if key == "batch":
        if is_empty(raw):
            return None, "必填"
        batch = _whole_number(raw)
        if batch is None or not 1 <= batch <= BATCH_MAX:
            return None, f"必须是1至{BATCH_MAX}之间的整数"
        return batch, None
    text, message = _text_cell(raw)
    if message is not None:
        return None, message
    if not text and key in BASE_REQUIRED_COLUMNS:
        return None, "必填"
    if len(text) > BASE_MAX_LENGTH[key]:
        return None, f"不能超过{BASE_MAX_LENGTH[key]}个字符"
    return text, None


# --- the sheet reader ------------------------------------------------------------------
#
# calamine (Rust) reads the whole sheet into a grid, many times faster than openpyxl's
# read-only mode, after the upload guard (portal/uploads.py) has bounded its rows, columns
# and text. An empty cell reads as "", a number as a float, whatever its number format
# shows; a date-formatted cell as a date or time, a boolean as a bool.


def _read_bases(rows: Iterator[tuple | list], name: str, book: DataWorkbook) -> None:
    errors = book.errors
    first = next(rows, None)
    if first is None:
        return
    header, rows = _header_and_rows(rows, first, name, BASE_HEADERS, errors)
    for key in BASE_REQUIRED_COLUMNS:
        if key not in header.letters:
            errors.append(CellError(name, 1, None, BASE_LABELS[key], "缺少此列"))
    if any(key not in header.letters for key in BASE_REQUIRED_COLUMNS):
        return
    seen: dict[str, int] = {}
    untitled: set[int] = set()
    for row_number, row in enumerate(rows, start=header.rows + 1):
        if all(is_empty(raw) for raw in row):
            continue
        _check_untitled(name, row_number, row, header, untitled, errors)
        data: dict[str, Any] = {}
        for index, key in header.keys.items():
            raw = row[index] if index < len(row) else None
            value, message = _base_cell(key, raw)
            if message is None and key == "code" and value in seen:
                message = f"基地编码与第{seen[value]}行重复"
            if message is not None:
                errors.append(CellError(name, row_number, header.letters[key], BASE_LABELS[key],
                                        message))
            else:
                data[key] = value
        if "code" in data:
            seen.setdefault(data["code"], row_number)
        book.bases.append(BaseSheetRow(row_number, data, header.letters))


#: Numbers whose magnitude reaches this are refused by Indicator.parse (数值过大).
_LIMIT = float(indicators.VALUE_LIMIT)
_INFINITIES = (float("inf"), float("-inf"))


@dataclass(frozen=True)
class _Fast:
    """How to turn an ordinary number cell into what `indicator.parse` returns, without it.

    A cell at or above `low` (and below the limit) is a whole number (`places` None), or a
    Decimal of its shortest repr when that has at most `places` decimals; anything else
    (NaN, inf, exponents, too many places) goes through parse for its error message.
    """

    low: float
    places: int | None
    quantum: Decimal | None


def _fast(indicator: indicators.Indicator) -> _Fast | None:
    if indicator.kind not in ("int", "decimal"):
        return None
    minimum = indicator.minimum
    if minimum is None:
        low = -_LIMIT + 1
    elif Decimal(float(minimum)) == minimum:
        low = float(minimum)
    else:
        return None
    if indicator.kind == "int":
        return _Fast(low, None, None)
    return _Fast(low, indicator.decimals, Decimal(1).scaleb(-indicator.decimals))


def _read_reports(rows: Iterator[tuple | list], name: str, book: DataWorkbook) -> None:
    errors = book.errors
    first = next(rows, None)
    if first is None:
        errors.append(CellError(name, None, None, "", "工作表是空的"))
        return
    header, rows = _header_and_rows(rows, first, name, REPORT_HEADERS, errors)
    book.report_columns = dict(header.letters)
    for key in REPORT_KEYS:
        if key not in header.letters:
            errors.append(CellError(name, 1, None, REPORT_KEY_LABELS[key], "缺少此列"))
    if any(key not in header.letters for key in REPORT_KEYS):
        return
    seen: dict[tuple[str, int], int] = {}
    untitled: set[int] = set()
    base_index = next(i for i, key in header.keys.items() if key == "base_code")
    year_index = next(i for i, key in header.keys.items() if key == "year")
    value_columns = [(index, indicators.BY_CODE[key], header.letters[key],
                      _fast(indicators.BY_CODE[key]))
                     for index, key in header.keys.items() if key in indicators.BY_CODE]
    titled_width = max(header.titled, default=-1) + 1
    for row_number, row in enumerate(rows, start=header.rows + 1):
        if all(is_empty(raw) for raw in row):
            continue
        if len(row) > titled_width or len(header.titled) < titled_width:
            _check_untitled(name, row_number, row, header, untitled, errors)
        width = len(row)
        report = ReportRow(row_number, "", None, dict.fromkeys(indicators.ENTERED_CODES))
        report.base_code, message = _text_cell(row[base_index] if base_index < width else None)
        if message is not None or not report.base_code:
            errors.append(CellError(name, row_number, header.letters["base_code"],
                                    field_label("base_code"), message or "必填"))
        raw = row[year_index] if year_index < width else None
        year = None if is_empty(raw) else _whole_number(raw)
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            message = ("必填" if is_empty(raw) else raw.message if type(raw) is _Note
                       else f"必须是{YEAR_MIN}至{YEAR_MAX}之间的年份")
            errors.append(CellError(name, row_number, header.letters["year"],
                                    field_label("year"), message))
        else:
            report.year = year
        values = report.values
        for index, indicator, letter, fast in value_columns:
            raw = row[index] if index < width else ""
            kind = type(raw)
            message = None
            if kind is float:
                if fast is not None and fast.low <= raw < _LIMIT:
                    # What indicator.parse returns for an ordinary number, 5-10x faster.
                    if fast.places is None:
                        if raw.is_integer():
                            values[indicator.code] = int(raw)
                            continue
                    else:
                        text = repr(raw)  # the shortest decimal that is this float
                        point = text.find(".")
                        if point > 0 and "e" not in text and (
                                len(text) - point - 1 <= fast.places or text.endswith(".0")):
                            values[indicator.code] = Decimal(text).quantize(fast.quantum)
                            continue
                elif indicator.is_bool and raw.is_integer():
                    raw = int(raw)
                elif raw in _INFINITIES and not indicator.is_bool:  # 9e999999999 as a number
                    message = "数值过大"
            elif kind is str:
                if not raw or raw.isspace():
                    continue
            elif kind is bool:
                if indicator.is_bool:
                    values[indicator.code] = raw
                    continue
            elif kind is _Note:
                message = raw.message
            if message is None:
                try:
                    values[indicator.code] = indicator.parse(raw)
                    continue
                except InvalidValue as exc:
                    message = str(exc)
                except ArithmeticError:  # a Decimal too large to compare: 9e999999999
                    message = "数值过大"
            report.bad_codes.add(indicator.code)
            errors.append(CellError(name, row_number, letter, indicator.label, message))
        if report.base_code and report.year is not None:
            pair = (report.base_code, report.year)
            if pair in seen:
                errors.append(CellError(
                    name, row_number, header.letters["year"], field_label("year"),
                    f"与第{seen[pair]}行重复（同一基地同一年度只能有一行）"))
            else:
                seen[pair] = row_number
        book.reports.append(report)


def read_data_workbook(file: Source, *, max_bytes: int | None = None, bases: bool = True,
                       scan: UploadScan | None = None) -> DataWorkbook:
    """Read a data workbook; never raises on bad input (problems are in `.errors`).

    The upload guard runs first (unless the caller just ran it and passes its `scan`), so
    calamine never opens an oversized file, a zip bomb or a sheet beyond the row and
    column limits. `bases=False` leaves the bases sheet unread.
    """
    book = DataWorkbook()
    try:
        scan = scan or check_upload(file, max_bytes)
    except UploadRefused as exc:
        book.errors.append(CellError("", None, None, "", str(exc)))
        return book
    try:
        with binary(file) as (handle, _name):
            workbook = CalamineWorkbook.from_filelike(handle)
        try:
            names = list(workbook.sheet_names)
            reports_name = _find_sheet(names, REPORTS_SHEET)
            bases_name = _find_sheet(names, BASES_SHEET) if bases else None
            if reports_name is None:
                book.errors.append(CellError(
                    "", None, None, "",
                    f"缺少工作表“{REPORTS_SHEET}”（现有工作表：{'、'.join(names)}）"))
            if bases_name is not None:
                book.has_bases_sheet = True
                book.bases_sheet = bases_name
                rows = _sheet_rows(workbook, bases_name, scan.sheet(bases_name))
                _read_bases(iter(rows), bases_name, book)
            if reports_name is not None:
                book.has_reports_sheet = True
                book.reports_sheet = reports_name
                rows = _sheet_rows(workbook, reports_name, scan.sheet(reports_name))
                _read_reports(iter(rows), reports_name, book)
        finally:
            workbook.close()
    except Exception:  # any parser failure is the file's fault, never a server error
        book.bases.clear()
        book.reports.clear()
        book.errors = ErrorList()
        book.errors.append(CellError("", None, None, "", CORRUPT))
    return book


def read_report_upload(
    file: Source, *, base_code: str, year: int, scan: UploadScan | None = None,
) -> tuple[dict[str, Value | None] | None, ErrorList]:
    """The values of the one reports row for `base_code` and `year` in an officer's upload.

    Returns (values, []) or (None, errors). The bases sheet is ignored: an officer's upload
    only fills their report; every other row in the reports sheet is an error.
    """
    book = read_data_workbook(file, bases=False, scan=scan)
    errors = book.errors
    if not book.has_reports_sheet or not {"base_code", "year"} <= book.report_columns.keys():
        return None, errors
    base_column = book.report_columns["base_code"]
    year_column = book.report_columns["year"]
    mine = []
    for row in book.reports:
        if row.base_code and row.base_code != base_code:
            errors.append(CellError(book.reports_sheet, row.row, base_column, "基地编码",
                                    f"只能上传本基地（{base_code}）的数据"))
        elif row.year is not None and row.year != year:
            errors.append(CellError(book.reports_sheet, row.row, year_column, "年度",
                                    f"只能上传{year}年度的数据"))
        elif row.base_code and row.year is not None:
            mine.append(row)
    if not mine and not errors:
        errors.append(CellError(book.reports_sheet, None, None, "",
                                f"没有基地 {base_code} {year} 年度的数据行"))
    if errors:
        return None, errors
    return mine[0].values, []


def content_disposition_name(*parts: object) -> str:
    """A safe download file name such as data-2017.xlsx."""
    text = "-".join(safe_text(part) for part in parts)
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_.") + ".xlsx"

