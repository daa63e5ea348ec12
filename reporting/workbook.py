"""The data workbook of SPEC section 6: writing (streaming), reading, and the upload guard.

Sheet `bases`: code, name, city, county, batch. Sheet `reports`: base_code, year and one
column per entered indicator code. Header cells may be codes or Chinese labels.

Reading never raises on bad input: every problem becomes a `CellError` naming the sheet,
row, column and field, and `check_upload` refuses oversized files and decompression bombs
before openpyxl ever opens them.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

from bases.models import BATCH_MAX, Base
from portal.spreadsheet import number_cell, safe_text, text_cell, unescape_text
from reporting import indicators
from reporting.indicators import InvalidValue, Value
from reporting.models import Report, ReportValue
from reporting.years import YEAR_MAX, YEAR_MIN

Source = str | os.PathLike | IO[bytes]

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

#: Zip limits checked before openpyxl opens a file (3,000 bases x 2 years: 1 MB, 11 MB inflated).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
ZIP_SIGNATURE = b"PK\x03\x04"

CHUNK = 500

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorkbookError(Exception):
    """An uploaded file that cannot be read as a data workbook; the message is for the user."""


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
    errors: list[CellError] = field(default_factory=list)
    has_bases_sheet: bool = False
    has_reports_sheet: bool = False
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
    """stored value -> what to append for it: a bool cell, or a number through the writer."""
    convert = indicator.from_storage
    if indicator.is_bool:
        return convert
    return lambda stored: number_cell(sheet, convert(stored))


def write_data_workbook(
    target: Source,
    *,
    bases: QuerySet[Base],
    reports: QuerySet[Report],
    blank_rows: Sequence[tuple[str, int]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Stream the data workbook of `bases` and `reports` to `target`; returns the report count.

    Memory stays flat: bases are iterated in chunks, and reports are fetched CHUNK ids at a
    time with one query for their rows and one for their values. `blank_rows` adds
    (base_code, year) rows with no values, e.g. a report the officer has not started.
    `progress(done, total)` is called once the reports are counted and after every chunk,
    so that a background export can show how far it got (and prove it is alive).
    """
    workbook = Workbook(write_only=True)
    bases = bases.order_by("code")
    ids = list(reports.order_by("base__code", "year").values_list("id", flat=True))
    if progress is not None:
        progress(0, len(ids))
    base_sheet = workbook.create_sheet(BASES_SHEET)
    _declare_size(base_sheet, rows=1 + bases.count(), columns=len(BASE_COLUMNS))
    base_sheet.append([text_cell(base_sheet, column) for column in BASE_COLUMNS])
    rows = bases.values_list("code", "name", "city__name", "county", "batch").iterator(
        chunk_size=1000)
    for code, name, city, county, batch in rows:
        base_sheet.append([text_cell(base_sheet, code), text_cell(base_sheet, name),
                           text_cell(base_sheet, city), text_cell(base_sheet, county),
                           number_cell(base_sheet, batch)])

    report_sheet = workbook.create_sheet(REPORTS_SHEET)
    _declare_size(report_sheet, rows=1 + len(ids) + len(blank_rows),
                  columns=len(REPORT_KEYS) + len(indicators.ENTERED_CODES))
    report_sheet.append([text_cell(report_sheet, column)
                         for column in (*REPORT_KEYS, *indicators.ENTERED_CODES)])
    converters = [(indicator.code, _number_writer(report_sheet, indicator))
                  for indicator in indicators.ENTERED]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        keys = {pk: (base_code, year) for pk, base_code, year in
                Report.objects.filter(id__in=chunk).values_list("id", "base__code", "year")}
        values: dict[int, dict[str, Decimal]] = {report_id: {} for report_id in chunk}
        for report_id, code, stored in (ReportValue.objects.filter(report_id__in=chunk)
                                        .values_list("report_id", "code", "value")):
            values[report_id][code] = stored
        for report_id in chunk:
            if report_id not in keys:
                continue  # deleted since the ids were listed
            base_code, year = keys[report_id]
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


# --- the upload guard ------------------------------------------------------------------


@contextmanager
def _binary(source: Source) -> Iterator[tuple[IO[bytes], str]]:
    """(readable binary file, its name) for a path or an open file; rewound afterwards."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle, os.fspath(source)
        return
    name = str(getattr(source, "name", "") or "")
    try:
        source.seek(0)
        yield source, name
    finally:
        source.seek(0)


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload(
    file: Source,
    max_bytes: int | None = None,
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_entries: int = MAX_ZIP_ENTRIES,
) -> None:
    """Refuse anything that is not a plausible, reasonably sized .xlsx before it is parsed.

    Raises WorkbookError with a message for the user. Only the zip directory is read, so a
    decompression bomb is refused in milliseconds; Python's zipfile never inflates an entry
    beyond its declared size, so the declared sizes bound what openpyxl will read.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    try:
        with _binary(file) as (handle, name):
            if name and not name.lower().endswith(".xlsx"):
                raise WorkbookError("只接受 .xlsx 格式的 Excel 文件，请在 Excel 中“另存为”"
                                    " Excel 工作簿（*.xlsx）后再上传。")
            size = _size(handle)
            if size == 0:
                raise WorkbookError("上传的文件是空的。")
            if size > limit:
                raise WorkbookError(f"文件过大（{_megabytes(size)}），上限为 {_megabytes(limit)}。")
            if handle.read(4) != ZIP_SIGNATURE:
                raise WorkbookError("文件不是有效的 .xlsx 工作簿（可能是 .xls 或其他格式），"
                                    "请在 Excel 中另存为 Excel 工作簿（*.xlsx）后再上传。")
            handle.seek(0)
            try:
                with zipfile.ZipFile(handle) as archive:
                    entries = archive.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError,
                    EOFError):
                raise WorkbookError("文件已损坏，无法作为 .xlsx 工作簿打开。") from None
            if len(entries) > max_entries:
                raise WorkbookError(f"文件包含的条目过多（{len(entries)} 个，上限 "
                                    f"{max_entries} 个），疑似异常文件，已拒绝。")
            total = sum(entry.file_size for entry in entries)
            if total > max_uncompressed:
                raise WorkbookError(
                    f"文件解压后过大（{_megabytes(total)}，上限 {_megabytes(max_uncompressed)}），"
                    "疑似压缩炸弹，已拒绝。")
            names = {entry.filename for entry in entries}
            if "xl/workbook.xml" not in names:
                raise WorkbookError("文件不是 Excel 工作簿（缺少 xl/workbook.xml）。")
    except OSError:
        raise WorkbookError("文件无法读取。") from None


# --- reading ---------------------------------------------------------------------------


def _clean_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return unescape_text(safe_text(raw).strip())  # the writer's apostrophe (portal.spreadsheet)


def _header_key(raw: object, lookup: dict[str, str]) -> str | None:
    text = _clean_text(raw)
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


def _whole_number(raw: object) -> int | None:
    """An int from a cell (1, 1.0, "1"), or None when it is not a whole number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    try:
        number = Decimal(_clean_text(raw))
    except ArithmeticError:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def _empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _find_sheet(names: list[str], key: str) -> str | None:
    wanted = {alias.lower() for alias in SHEET_ALIASES[key]}
    return next((name for name in names if name.strip().lower() in wanted), None)


@dataclass
class _Header:
    keys: dict[int, str]  # 0-based column index -> key
    letters: dict[str, str]  # key -> column letter
    titled: set[int]  # every column index with a header text, known or not


def _read_header(sheet_name: str, header: tuple, lookup: dict[str, str],
                 errors: list[CellError]) -> _Header:
    keys: dict[int, str] = {}
    letters: dict[str, str] = {}
    titled: set[int] = set()
    for index, raw in enumerate(header):
        if _empty(raw):
            continue
        titled.add(index)
        letter = get_column_letter(index + 1)
        key = _header_key(raw, lookup)
        text = _clean_text(raw)
        if key is None:
            errors.append(CellError(sheet_name, 1, letter, text, "未知的列标题"))
            continue
        if key in letters:
            errors.append(CellError(sheet_name, 1, letter, field_label(key),
                                    f"列标题重复（与 {letters[key]} 列相同）"))
            continue
        keys[index] = key
        letters[key] = letter
    return _Header(keys, letters, titled)


def _check_untitled(sheet_name: str, row_number: int, row: tuple, header: _Header,
                    reported: set[int], errors: list[CellError]) -> None:
    for index, raw in enumerate(row):
        if index in header.titled or index in reported or _empty(raw):
            continue
        reported.add(index)
        errors.append(CellError(sheet_name, row_number, get_column_letter(index + 1), "",
                                "该列没有列标题"))


def _base_cell(key: str, raw: object) -> tuple[Any, str | None]:
    """(value, None) or (None, error message) for one cell of the bases sheet."""
    if key == "batch":
        if _empty(raw):
            return None, "必填"
        batch = _whole_number(raw)
        if batch is None or not 1 <= batch <= BATCH_MAX:
            return None, f"必须是1至{BATCH_MAX}之间的整数"
        return batch, None
    text = _clean_text(raw)
    if not text and key in BASE_REQUIRED_COLUMNS:
        return None, "必填"
    if len(text) > BASE_MAX_LENGTH[key]:
        return None, f"不能超过{BASE_MAX_LENGTH[key]}个字符"
    return text, None


# --- the sheet reader ------------------------------------------------------------------
#
# openpyxl's read-only mode sizes every sheet that lacks a <dimension> by parsing it once
# when the workbook is opened (and `reset_dimensions` discards that size anyway), then builds
# an element, a dict and a cell per cell in pure Python: about 1 s per 60,000 cells. The
# reader below keeps openpyxl for the package, the shared strings and the styles, and reads
# the rows with lxml, yielding exactly what `iter_rows(values_only=True)` yields after
# `reset_dimensions()` (bench/check_equivalence.py compares the two on odd files).

_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
_VALUE_TAG = f"{{{SHEET_MAIN_NS}}}v"
_INLINE_TAG = f"{{{SHEET_MAIN_NS}}}is"
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_DIGITS = "0123456789"
#: Column letters already seen in a valid reference -> column number.
_COLUMNS: dict[str, int] = {}


def _cast_number(text: str) -> int | float:
    """As openpyxl: a number cell with a point or an exponent is a float, else an int."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _column(coordinate: str) -> int:
    """The column of a cell reference, exactly as coordinate_to_tuple gives it (or raises)."""
    letters = coordinate.rstrip(_DIGITS)
    number = coordinate[len(letters):]
    plain = bool(number) and number[0] != "0"  # a row number coordinate_to_tuple accepts
    if plain and (index := _COLUMNS.get(letters)) is not None:
        return index
    index = coordinate_to_tuple(coordinate)[1]
    if plain:
        _COLUMNS[letters] = index
    return index


def _inline_text(element: Any) -> str:
    children = list(element)
    if len(children) == 1 and children[0].tag == _TEXT_TAG and not len(children[0]):
        return children[0].text or ""
    return Text.from_tree(element).content


class _SheetReader:
    """One sheet's rows as openpyxl's read-only `iter_rows(values_only=True)` gives them."""

    def __init__(self, book: _Book) -> None:
        self.strings = book.strings
        self.epoch = book.epoch
        self.date_formats = book.date_formats
        self.timedelta_formats = book.timedelta_formats

    def convert(self, text: str, data_type: str, style: Any) -> Any:
        """The value of a cell's <v> text (not empty), as openpyxl's WorkSheetParser."""
        if data_type == "n":
            number = _cast_number(text)
            if style in self.date_formats:
                try:
                    return from_excel(number, self.epoch,
                                      timedelta=style in self.timedelta_formats)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if data_type == "s":
            return self.strings[int(text)]
        if data_type == "b":
            return bool(int(text))
        if data_type == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A)

    def parsed_rows(self, source: IO[bytes]) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        """(row number, [(column, value), ...]) per <row>, in document order."""
        rows = etree.iterparse(source, events=("end",), tag=_ROW_TAG, resolve_entities=False,
                               no_network=True, load_dtd=False, huge_tree=False,
                               remove_comments=True, remove_pis=True)
        row_number = 0
        checked = False
        convert, dates = self.convert, self.date_formats
        for _event, row in rows:
            if not checked:
                if row.getroottree().docinfo.doctype:
                    raise ValueError("a worksheet must not have a DTD")
                checked = True
            number = row.get("r")
            if number is not None:
                try:
                    row_number = int(number)
                except ValueError:
                    parsed = float(number)
                    if not parsed.is_integer():
                        raise ValueError(f"{number} is not a valid row number") from None
                    row_number = int(parsed)
            else:
                row_number += 1
            cells: list[tuple[int, Any]] = []
            column = 0
            for cell in row:
                get = cell.get
                data_type = get("t", "n")
                style = get("s", 0)
                if style:
                    style = int(style)
                if data_type == "inlineStr":
                    inline = cell.find(_INLINE_TAG)
                    value = None if inline is None else _inline_text(inline)
                else:
                    # The text of the first <v> child (findtext), fast for the usual <c><v>.
                    children = len(cell)
                    if children == 1:
                        child = cell[0]
                        text = child.text if child.tag == _VALUE_TAG else None
                    else:
                        text = cell.findtext(_VALUE_TAG) if children else None
                    if not text:
                        value = None
                    elif data_type == "n" and style not in dates:
                        value = (float(text) if "." in text or "E" in text or "e" in text
                                 else int(text))
                    else:
                        value = convert(text, data_type, style)
                coordinate = get("r")
                column = _column(coordinate) if coordinate else column + 1
                cells.append((column, value))
            yield row_number, cells
            row.clear()
            parent = row.getparent()
            while row.getprevious() is not None:
                del parent[0]

    def rows(self, source: IO[bytes]) -> Iterator[tuple | list]:
        counter = 1
        for number, cells in self.parsed_rows(source):
            while counter < number:  # rows missing from the file read as empty
                counter += 1
                yield []
            if counter > number:
                continue
            counter += 1
            if not cells:
                yield ()
                continue
            width = cells[-1][0]
            row: list[Any] = [None] * width
            for column, cell_value in cells:
                if 1 <= column <= width:
                    row[column - 1] = cell_value
            yield tuple(row)


class _Book:
    """An .xlsx opened for reading values: openpyxl reads the package, strings and styles."""

    def __init__(self, handle: IO[bytes]) -> None:
        reader = ExcelReader(handle, read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        self.archive = reader.archive
        self.strings = reader.shared_strings
        self.epoch = reader.wb.epoch
        self.date_formats = reader.wb._date_formats
        self.timedelta_formats = reader.wb._timedelta_formats
        self.sheetnames: list[str] = []
        self._parts: dict[str, tuple[str, bool]] = {}
        valid = set(reader.valid_files)
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in valid:
                self.sheetnames.append(sheet.name)
                self._parts.setdefault(sheet.name, (rel.target, "chartsheet" in rel.Type))

    def rows(self, name: str) -> Iterator[tuple | list]:
        path, chart = self._parts[name]
        if chart:
            raise ValueError(f"{name} is a chart sheet")
        with self.archive.open(path) as source:
            yield from _SheetReader(self).rows(source)

    def close(self) -> None:
        self.archive.close()


def _read_bases(rows: Iterator[tuple | list], name: str, book: DataWorkbook) -> None:
    errors = book.errors
    first = next(rows, None)
    if first is None:
        return
    header = _read_header(name, first, BASE_HEADERS, errors)
    for key in BASE_REQUIRED_COLUMNS:
        if key not in header.letters:
            errors.append(CellError(name, 1, None, BASE_LABELS[key], "缺少此列"))
    if any(key not in header.letters for key in BASE_REQUIRED_COLUMNS):
        return
    seen: dict[str, int] = {}
    untitled: set[int] = set()
    for row_number, row in enumerate(rows, start=2):
        if all(_empty(raw) for raw in row):
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


#: Whole numbers at or above this are refused by Indicator.parse (数值过大).
_INT_LIMIT = int(indicators.VALUE_LIMIT)


def _int_floor(indicator: indicators.Indicator) -> int | None:
    """The smallest int an int indicator accepts as is; None when the fast path is off."""
    if indicator.kind != "int":
        return None
    minimum = indicator.minimum
    if minimum is None:
        return -_INT_LIMIT + 1
    return int(minimum) if minimum == minimum.to_integral_value() else None


def _read_reports(rows: Iterator[tuple | list], name: str, book: DataWorkbook) -> None:
    errors = book.errors
    first = next(rows, None)
    if first is None:
        errors.append(CellError(name, None, None, "", "工作表是空的"))
        return
    header = _read_header(name, first, REPORT_HEADERS, errors)
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
                      _int_floor(indicators.BY_CODE[key]))
                     for index, key in header.keys.items() if key in indicators.BY_CODE]
    for row_number, row in enumerate(rows, start=2):
        if all(_empty(raw) for raw in row):
            continue
        if len(row) > len(first) or len(header.titled) < len(first):
            _check_untitled(name, row_number, row, header, untitled, errors)
        width = len(row)
        report = ReportRow(row_number, "", None, dict.fromkeys(indicators.ENTERED_CODES))
        report.base_code = _clean_text(row[base_index] if base_index < width else None)
        if not report.base_code:
            errors.append(CellError(name, row_number, header.letters["base_code"],
                                    field_label("base_code"), "必填"))
        raw = row[year_index] if year_index < width else None
        year = None if _empty(raw) else _whole_number(raw)
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            message = "必填" if _empty(raw) else f"必须是{YEAR_MIN}至{YEAR_MAX}之间的年份"
            errors.append(CellError(name, row_number, header.letters["year"],
                                    field_label("year"), message))
        else:
            report.year = year
        values = report.values
        for index, indicator, letter, floor in value_columns:
            raw = row[index] if index < width else None
            if raw is None:
                continue
            if floor is not None and type(raw) is int and floor <= raw < _INT_LIMIT:
                # What indicator.parse returns for a whole number in range, 10x faster.
                values[indicator.code] = raw
                continue
            if isinstance(raw, float) and indicator.is_bool and raw.is_integer():
                raw = int(raw)
            try:
                values[indicator.code] = indicator.parse(raw)
            except InvalidValue as exc:
                report.bad_codes.add(indicator.code)
                errors.append(CellError(name, row_number, letter, indicator.label, str(exc)))
        if report.base_code and report.year is not None:
            pair = (report.base_code, report.year)
            if pair in seen:
                errors.append(CellError(
                    name, row_number, header.letters["year"], field_label("year"),
                    f"与第{seen[pair]}行重复（同一基地同一年度只能有一行）"))
            else:
                seen[pair] = row_number
        book.reports.append(report)


def read_data_workbook(file: Source, *, max_bytes: int | None = None) -> DataWorkbook:
    """Read a data workbook; never raises on bad input (problems are in `.errors`).

    The upload guard runs first, so openpyxl never opens an oversized file or a zip bomb.
    """
    book = DataWorkbook()
    try:
        check_upload(file, max_bytes)
    except WorkbookError as exc:
        book.errors.append(CellError("", None, None, "", str(exc)))
        return book
    try:
        with _binary(file) as (handle, _name):
            workbook = _Book(handle)
            try:
                names = list(workbook.sheetnames)
                reports_name = _find_sheet(names, REPORTS_SHEET)
                bases_name = _find_sheet(names, BASES_SHEET)
                if reports_name is None:
                    book.errors.append(CellError(
                        "", None, None, "",
                        f"缺少工作表“{REPORTS_SHEET}”（现有工作表：{'、'.join(names)}）"))
                if bases_name is not None:
                    book.has_bases_sheet = True
                    _read_bases(workbook.rows(bases_name), bases_name, book)
                if reports_name is not None:
                    book.has_reports_sheet = True
                    _read_reports(workbook.rows(reports_name), reports_name, book)
            finally:
                workbook.close()
    except Exception:  # any parser failure is the file's fault, never a server error
        book.bases.clear()
        book.reports.clear()
        book.errors.append(CellError("", None, None, "",
                                     "文件已损坏或不是有效的 .xlsx 工作簿，无法读取。"))
    return book


def read_report_upload(
    file: Source, *, base_code: str, year: int,
) -> tuple[dict[str, Value | None] | None, list[CellError]]:
    """The values of the one reports row for `base_code` and `year` in an officer's upload.

    Returns (values, []) or (None, errors). The bases sheet is ignored: an officer's upload
    only fills their report; every other row in the reports sheet is an error.
    """
    book = read_data_workbook(file)
    errors = [error for error in book.errors if error.sheet != BASES_SHEET]
    if not book.has_reports_sheet or not {"base_code", "year"} <= book.report_columns.keys():
        return None, errors
    base_column = book.report_columns["base_code"]
    year_column = book.report_columns["year"]
    mine = []
    for row in book.reports:
        if row.base_code and row.base_code != base_code:
            errors.append(CellError(REPORTS_SHEET, row.row, base_column, "基地编码",
                                    f"只能上传本基地（{base_code}）的数据"))
        elif row.year is not None and row.year != year:
            errors.append(CellError(REPORTS_SHEET, row.row, year_column, "年度",
                                    f"只能上传{year}年度的数据"))
        elif row.base_code and row.year is not None:
            mine.append(row)
    if not mine and not errors:
        errors.append(CellError(REPORTS_SHEET, None, None, "",
                                f"没有基地 {base_code} {year} 年度的数据行"))
    if errors:
        return None, errors
    return mine[0].values, []


def content_disposition_name(*parts: object) -> str:
    """A safe download file name such as data-2017.xlsx."""
    text = "-".join(safe_text(part) for part in parts)
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_.") + ".xlsx"

