"""The one guard in front of every workbook upload.

Every path that reads an uploaded .xlsx (the officer's upload, the province's import page,
the `import_workbook` command, the admin's base import) calls `check_upload` first, and no
spreadsheet library sees a file it refused. The guard bounds what reading can cost by
what a real workbook can hold:

- the file: `.xlsx` only, at most settings.UPLOAD_MAX_BYTES, a zip (signature checked);
- the zip: at most MAX_ZIP_ENTRIES entries and MAX_UNCOMPRESSED_BYTES declared once
  inflated, no duplicate names, no encryption, stored or deflated only. Every entry is
  inflated here, at most CHUNK bytes at a time, and must inflate to exactly its declared
  size and CRC: a stream that hides more data than it declares is refused, so the
  declared sizes really do bound what a reader inflates;
- every XML part: UTF-8, no DTD or entity declarations, no run of text longer than an
  Excel cell can hold (32,767 characters);
- every worksheet, streamed before any reader sees it: at most settings.UPLOAD_MAX_ROWS
  rows (row elements, and row numbers in `<row r>`, `<c r>` and `<dimension ref>`), at
  most MAX_COLUMNS columns, at most rows x columns cells. Readers such as calamine build
  a dense grid from the highest row and column they find, so a 6 KB file with one cell in
  row 2,000,000,000 would otherwise ask for gigabytes (and abort the process);
- shared strings and cell styles: at most what the rows and columns could use, and
  Excel's own 64,000 styles.

A refusal stops reading at once: memory stays flat whatever the file would inflate to.
The scan also finds the cells a reader would silently read as empty (a formula without a
cached value, an Excel error value) and returns them, positioned, as `CellNote`s.

A worksheet is scanned with byte searches and regular expressions when it is written the
way Excel, LibreOffice and openpyxl write it (every `<c>` and `<row>` opens with its `r`
attribute, no namespace prefixes, no formulas or error values); anything else is read
again, exactly, with expat. Both enforce the same limits.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO
from xml.parsers import expat

from django.conf import settings

Source = str | os.PathLike | IO[bytes]

#: Zip limits (3,000 bases x 2 years: 1.6 MB, 11 MB inflated).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
#: Columns of any worksheet (the reports sheet has 52).
MAX_COLUMNS = 100
#: Excel's limits: characters in a cell, cell formats in a workbook.
MAX_CELL_TEXT = 32767
MAX_STYLES = 64000
#: Cell notes (formula without a value, error values) kept per sheet; the rest are counted.
MAX_NOTES = 200
ZIP_SIGNATURE = b"PK\x03\x04"
#: Entries that make a zip an .xlsb or an .ods workbook: never in an .xlsx.
OTHER_FORMATS = frozenset({"xl/workbook.bin", "content.xml", "mimetype"})
CHUNK = 1 << 20
#: A window this long without a "<" holds more text than a cell can (32,767 characters of
#: up to 3 bytes, and escapes): any run of twice this length is found and refused.
TEXT_WINDOW = 128 * 1024

FORMULA_WITHOUT_VALUE = ("单元格含公式但没有计算结果（文件可能由程序生成，从未在 Excel 中计算过），"
                         "请在 Excel 中打开并保存后再上传")
CORRUPT = "文件已损坏或不是有效的 .xlsx 工作簿，无法读取。"


class UploadRefused(Exception):
    """An upload refused before any parser read it; the message is for the user."""


@dataclass(frozen=True)
class CellNote:
    """A cell that a reader would read as empty but that holds something else."""

    row: int
    column: int
    message: str


@dataclass
class SheetScan:
    """What the guard found in one worksheet."""

    name: str
    part: str
    rows: int = 0
    max_row: int = 0
    max_column: int = 0
    cells: int = 0
    notes: list[CellNote] = field(default_factory=list)
    notes_total: int = 0

    def note(self, row: int, column: int, message: str) -> None:
        self.notes_total += 1
        if len(self.notes) < MAX_NOTES:
            self.notes.append(CellNote(row, column, message))


@dataclass
class UploadScan:
    sheets: list[SheetScan] = field(default_factory=list)

    def sheet(self, name: str) -> SheetScan | None:
        return next((sheet for sheet in self.sheets if sheet.name == name), None)


@dataclass(frozen=True)
class _Limits:
    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


# --- the file and the zip --------------------------------------------------------------


@contextmanager
def binary(source: Source) -> Iterator[tuple[IO[bytes], str]]:
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
    max_rows: int | None = None,
    max_columns: int = MAX_COLUMNS,
) -> UploadScan:
    """Refuse anything that is not a plausible, reasonably sized .xlsx before it is parsed.

    Raises UploadRefused with a message for the user; returns what the scan found.
    `max_bytes` and `max_rows` default to settings.UPLOAD_MAX_BYTES and UPLOAD_MAX_ROWS.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    limits = _Limits(settings.UPLOAD_MAX_ROWS if max_rows is None else max_rows, max_columns)
    try:
        with binary(file) as (handle, name):
            if name and not name.lower().endswith(".xlsx"):
                raise UploadRefused("只接受 .xlsx 格式的 Excel 文件，请在 Excel 中“另存为”"
                                    " Excel 工作簿（*.xlsx）后再上传。")
            size = _size(handle)
            if size == 0:
                raise UploadRefused("上传的文件是空的。")
            if size > limit:
                raise UploadRefused(f"文件过大（{_megabytes(size)}），上限为 {_megabytes(limit)}。")
            if handle.read(4) != ZIP_SIGNATURE:
                raise UploadRefused("文件不是有效的 .xlsx 工作簿（可能是 .xls 或其他格式），"
                                    "请在 Excel 中另存为 Excel 工作簿（*.xlsx）后再上传。")
            handle.seek(0)
            try:
                with zipfile.ZipFile(handle) as archive:
                    entries = archive.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError,
                    EOFError):
                raise UploadRefused(CORRUPT) from None
            _check_directory(entries, max_uncompressed=max_uncompressed,
                             max_entries=max_entries)
            return _scan(handle, entries, limits)
    except (OSError, zlib.error, struct.error, expat.ExpatError, ValueError, EOFError):
        raise UploadRefused(CORRUPT) from None


def _check_directory(entries: list[zipfile.ZipInfo], *, max_uncompressed: int,
                     max_entries: int) -> None:
    if len(entries) > max_entries:
        raise UploadRefused(f"文件包含的条目过多（{len(entries)} 个，上限 {max_entries} 个），"
                            "疑似异常文件，已拒绝。")
    total = sum(entry.file_size for entry in entries)
    if total > max_uncompressed:
        raise UploadRefused(
            f"文件解压后过大（{_megabytes(total)}，上限 {_megabytes(max_uncompressed)}），"
            "疑似压缩炸弹，已拒绝。")
    names = [entry.filename for entry in entries]
    if len(set(names)) != len(names):
        raise UploadRefused("文件中有重名的条目，疑似异常文件，已拒绝。")
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadRefused("文件已加密，请在 Excel 中取消密码保护后再上传。")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(CORRUPT)
    if "xl/workbook.xml" not in names:
        raise UploadRefused("文件不是 Excel 工作簿（缺少 xl/workbook.xml）。")
    if OTHER_FORMATS & set(names):
        # A reader that detects the format could take the file for one the scan does not
        # read (calamine tries .xlsb, then .ods, when the .xlsx parts do not parse).
        raise UploadRefused("文件同时含有其他表格格式（.xlsb 或 .ods）的内容，"
                            "疑似异常文件，已拒绝。")


def _inflate(handle: IO[bytes], entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes, at most CHUNK at a time, inflated here and checked against the
    declared size and CRC (zipfile would stop at the declared size and not notice more)."""
    handle.seek(entry.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != ZIP_SIGNATURE:
        raise UploadRefused(CORRUPT)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(entry.header_offset + 30 + name_length + extra_length)
    left = entry.compress_size
    expected = entry.file_size
    produced = crc = 0
    decompressor = (zlib.decompressobj(-zlib.MAX_WBITS)
                    if entry.compress_type == zipfile.ZIP_DEFLATED else None)
    pending = b""
    while True:
        if not pending:
            if left <= 0:
                break
            pending = handle.read(min(CHUNK, left))
            if not pending:
                raise UploadRefused(CORRUPT)
            left -= len(pending)
        if decompressor is None:
            data, pending = pending, b""
        else:
            data = decompressor.decompress(pending, CHUNK)
            pending = decompressor.unconsumed_tail
        produced += len(data)
        if produced > expected:
            _understated(entry)
        if data:
            crc = zlib.crc32(data, crc)
            yield data
        if decompressor is not None and decompressor.eof:
            break
    while decompressor is not None and not decompressor.eof:
        data = decompressor.decompress(b"", CHUNK)
        if not data:
            break
        produced += len(data)
        if produced > expected:
            _understated(entry)
        crc = zlib.crc32(data, crc)
        yield data
    if (decompressor is not None and not decompressor.eof) or produced != expected \
            or crc != entry.CRC:
        raise UploadRefused(CORRUPT)


def _understated(entry: zipfile.ZipInfo) -> None:
    raise UploadRefused(f"文件中的“{entry.filename}”解压后比声明的 {entry.file_size} 字节多，"
                        "疑似压缩炸弹，已拒绝。")


# --- XML parts -------------------------------------------------------------------------

_DECLARATION = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF8 = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


def _where(name: str, sheet: bool) -> str:
    return f"工作表“{name}”" if sheet else f"文件中的“{name}”"


def _xml_buffers(handle: IO[bytes], entry: zipfile.ZipInfo, name: str,
                 sheet: bool = False) -> Iterator[bytes]:
    """The entry's XML as buffers that each end before a "<" (so no tag is cut in two),
    refused if it is not UTF-8, declares a DTD or holds a run of text no cell can hold."""
    carry = b""
    first = True
    for data in _inflate(handle, entry):
        if first:
            first = False
            head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
            if not head.lstrip().startswith(b"<"):
                raise UploadRefused(f"{_where(name, sheet)}不是 UTF-8 编码的 XML，"
                                    "Excel 不会生成这样的文件，已拒绝。")
            declared = _DECLARATION.match(head.lstrip())
            if declared and declared.group(1).lower() not in _UTF8:
                raise UploadRefused(f"{_where(name, sheet)}不是 UTF-8 编码的 XML，"
                                    "Excel 不会生成这样的文件，已拒绝。")
        buffer = carry + data
        cut = buffer.rfind(b"<")
        if cut <= 0:
            cut = len(buffer) if cut < 0 else 0
        carry, buffer = buffer[cut:], buffer[:cut]
        if len(carry) > 2 * TEXT_WINDOW:
            _long_text(name, sheet)
        if buffer:
            _check_markup(buffer, name, sheet)
            yield buffer
    if carry:
        _check_markup(carry, name, sheet)
        yield carry


def _check_markup(buffer: bytes, name: str, sheet: bool) -> None:
    if b"\x00" in buffer:  # never in XML; in every UTF-16 or UTF-32 text
        raise UploadRefused(f"{_where(name, sheet)}不是 UTF-8 编码的 XML，"
                            "Excel 不会生成这样的文件，已拒绝。")
    if b"<!DOCTYPE" in buffer or b"<!ENTITY" in buffer:
        raise UploadRefused(f"{_where(name, sheet)}含有 DTD 或实体声明，Excel 不会生成这样的文件，"
                            "已拒绝。")
    for start in range(0, len(buffer) - TEXT_WINDOW + 1, TEXT_WINDOW):
        if buffer.find(b"<", start, start + TEXT_WINDOW) < 0:
            _long_text(name, sheet)


def _long_text(name: str, sheet: bool) -> None:
    raise UploadRefused(f"{_where(name, sheet)}中有超过 {MAX_CELL_TEXT} 个字符的内容"
                        "（Excel 单元格的上限），疑似异常文件，已拒绝。")


def _count_tags(buffer: bytes, tag: bytes) -> int:
    """Start tags named `tag` (any prefix) in `buffer`."""
    return len(_tag_pattern(tag).findall(buffer))


@lru_cache(maxsize=8)
def _tag_pattern(tag: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?" + re.escape(tag) + rb"[\s/>]")


def _check_counted(handle: IO[bytes], entry: zipfile.ZipInfo, tag: bytes, limit: int,
                   message: str) -> None:
    count = 0
    for buffer in _xml_buffers(handle, entry, entry.filename):
        count += _count_tags(buffer, tag)
        if count > limit:
            raise UploadRefused(message)


# --- the workbook's sheets -------------------------------------------------------------


def _read_xml(handle: IO[bytes], entry: zipfile.ZipInfo,
              start: Callable[[str, dict[str, str]], None]) -> None:
    """Parse a small part (workbook, relationships) with expat, `start` per element."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    for buffer in _xml_buffers(handle, entry, entry.filename):
        parser.Parse(buffer, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _workbook_parts(handle: IO[bytes], by_name: dict[str, zipfile.ZipInfo],
                    ) -> tuple[dict[str, str], dict[str, str]]:
    """(sheet part -> sheet name, part -> "sharedStrings" or "styles"), as the workbook and
    its relationships declare them (readers find the parts that way, whatever their names)."""
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def sheet(name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "sheet":
            relation = next((value for key, value in attributes.items()
                             if _local(key) == "id" and ":" in key), "")
            sheets.append((attributes.get("name", ""), relation))

    def relationship(name: str, attributes: dict[str, str]) -> None:
        target = attributes.get("Target", "")
        if _local(name) == "Relationship" and attributes.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            path = targets[attributes.get("Id", "")] = posixpath.normpath(path)
            kind = attributes.get("Type", "").rpartition("/")[2]
            if kind in ("sharedStrings", "styles"):
                kinds[path] = kind

    _read_xml(handle, by_name["xl/workbook.xml"], sheet)
    if "xl/_rels/workbook.xml.rels" in by_name:
        _read_xml(handle, by_name["xl/_rels/workbook.xml.rels"], relationship)
    parts = {}
    for name, relation in sheets:
        part = targets.get(relation)
        if part is not None:
            parts.setdefault(part, name)
    return parts, kinds


def _scan(handle: IO[bytes], entries: list[zipfile.ZipInfo], limits: _Limits) -> UploadScan:
    by_name = {entry.filename: entry for entry in entries}
    parts, kinds = _workbook_parts(handle, by_name)
    scan = UploadScan()
    done = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    for entry in entries:
        path = entry.filename
        if path in done or entry.is_dir():
            continue
        kind = kinds.get(path) or posixpath.basename(path).removesuffix(".xml")
        if kind == "sharedStrings":
            _check_counted(handle, entry, b"si", limits.cells,
                           f"共享字符串超过 {limits.cells} 个的上限，疑似异常文件，已拒绝。")
        elif kind == "styles":
            _check_counted(handle, entry, b"xf", MAX_STYLES,
                           f"单元格格式超过 {MAX_STYLES} 个（Excel 的上限），"
                           "疑似异常文件，已拒绝。")
        elif path in parts or path.endswith(".xml"):
            # Every XML part is bounded as a sheet would be, so that no reader can take a
            # part for a sheet that the guard did not bound (charts and the like pass).
            scan.sheets.append(_scan_sheet(handle, entry, parts.get(path, path), limits))
        elif path.endswith((".rels", ".vml")):
            for _ in _xml_buffers(handle, entry, path):
                pass
        else:
            for _ in _inflate(handle, entry):
                pass
    return scan


# --- one worksheet ---------------------------------------------------------------------


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,10})")


def _above(limit: str, alphabet: str) -> str:
    """A regular expression for the strings over `alphabet` (no leading zero for digits)
    that stand for more than `limit`: longer ones, or as long and larger at some place."""
    first = alphabet[1:] if alphabet[0] == "0" else alphabet
    any_char = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = [f"[{first[0]}-{first[-1]}]{any_char}{{{len(limit)},}}"]
    for place, char in enumerate(limit):
        higher = alphabet[alphabet.index(char) + 1:]
        if higher:
            rest = len(limit) - place - 1
            options.append(f"{re.escape(limit[:place])}[{higher[0]}-{higher[-1]}]"
                           f"{any_char}{{{rest}}}")
    return "|".join(options)


@lru_cache(maxsize=8)
def _out_of_bounds(limits: _Limits) -> re.Pattern[bytes]:
    """A cell reference beyond the limits, or one the fast scan cannot read as is."""
    columns = _above(column_letters(limits.columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = _above(str(limits.rows), "0123456789")
    return re.compile(
        (rf'<c r="(?:(?![A-Z]{{1,3}}[1-9][0-9]{{0,9}}")|(?:{columns})[0-9]'
         rf'|[A-Z]{{1,3}}(?:{rows})")').encode())


_ROW_NUMBER = re.compile(rb'<row r="([1-9][0-9]{0,9})"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([^"]{0,40})"')
#: What the fast scan leaves to the exact one: prefixed elements, cells or rows not followed
#: by a space (so not counted below), and any formula.
_PREFIXED = re.compile(rb":(?:c|row|f|v|is|dimension)[\s/>]")
_UNUSUAL = re.compile(rb"<(?:c|row|f)[>/\t\n\r]|<f ")


class _Exact(Exception):
    """The fast scan met something it does not read; the exact scan reads the sheet."""


def _scan_sheet(handle: IO[bytes], entry: zipfile.ZipInfo, name: str,
                limits: _Limits) -> SheetScan:
    try:
        return _fast_scan(handle, entry, name, limits)
    except _Exact:
        return _exact_scan(handle, entry, name, limits)


def _too_many_rows(sheet: SheetScan, limits: _Limits, row: int | None = None) -> UploadRefused:
    where = f"（第 {row} 行）" if row else ""
    return UploadRefused(f"工作表“{sheet.name}”超过 {limits.rows} 行的上限{where}，"
                         "请删除多余的行，或分成几个文件上传。")


def _check_cell(sheet: SheetScan, limits: _Limits, row: int, column: int) -> None:
    if row > limits.rows:
        raise _too_many_rows(sheet, limits, row)
    if column > limits.columns:
        raise UploadRefused(
            f"工作表“{sheet.name}”的单元格 {column_letters(column)}{row} 超出 {limits.columns} 列"
            f"（{column_letters(limits.columns)} 列）的上限，请删除多余的列后再上传。")
    if row > sheet.max_row:
        sheet.max_row = row
    if column > sheet.max_column:
        sheet.max_column = column


def _check_dimension(sheet: SheetScan, limits: _Limits, ref: str) -> None:
    """The sheet's declared range must fit the limits too (its cells are checked anyway)."""
    for corner in ref.split(":"):
        match = _REF.fullmatch(corner)
        if match is None:
            continue  # whole rows or columns ("A:C"): the cells themselves are checked
        row, column = int(match.group(2)), column_number(match.group(1))
        if row > limits.rows or column > limits.columns:
            raise UploadRefused(
                f"工作表“{sheet.name}”声明的范围 {ref} 超出 {limits.rows} 行、"
                f"{limits.columns} 列的上限，请删除多余的行和列后再上传。")


def _count(sheet: SheetScan, limits: _Limits) -> None:
    if sheet.rows > limits.rows:
        raise _too_many_rows(sheet, limits)
    if sheet.cells > limits.cells:
        raise UploadRefused(f"工作表“{sheet.name}”的单元格超过 {limits.cells} 个的上限，"
                            "疑似异常文件，已拒绝。")


def _fast_scan(handle: IO[bytes], entry: zipfile.ZipInfo, name: str,
               limits: _Limits) -> SheetScan:
    sheet = SheetScan(name, entry.filename)
    bounds = _out_of_bounds(limits)
    dimension = False
    for buffer in _xml_buffers(handle, entry, name, sheet=True):
        if (_PREFIXED.search(buffer) or _UNUSUAL.search(buffer) or b't="e"' in buffer
                or b"t='e'" in buffer):
            raise _Exact
        cells = buffer.count(b"<c ")
        rows = buffer.count(b"<row ")
        numbers = _ROW_NUMBER.findall(buffer)
        # Every cell and row opens with its r, and no element has a second r.
        if (cells != buffer.count(b'<c r="') or rows != len(numbers)
                or buffer.count(b' r="') != cells + rows):
            raise _Exact
        if not dimension and (found := _DIMENSION.search(buffer)):
            dimension = True
            _check_dimension(sheet, limits, found.group(1).decode("ascii", "replace"))
        sheet.rows += rows
        sheet.cells += cells
        _count(sheet, limits)
        if numbers:
            _check_cell(sheet, limits, max(map(int, numbers)), 1)
        if (beyond := bounds.search(buffer)) is not None:
            # Beyond the limits (refused here), or written in a way the exact scan reads.
            start = beyond.start() + len(b'<c r="')
            ref = _REF.match(buffer[start:start + 20].decode("ascii", "replace"))
            if ref is not None:
                _check_cell(sheet, limits, int(ref.group(2)), column_number(ref.group(1)))
            raise _Exact
    return sheet


def _exact_scan(handle: IO[bytes], entry: zipfile.ZipInfo, name: str,
                limits: _Limits) -> SheetScan:
    """The sheet read with expat, element by element, as a reader places its cells."""
    sheet = SheetScan(name, entry.filename)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    state: dict = {"row": 0, "column": 0, "cell": (0, 0), "type": "",
                   "formula": False, "value": None}

    def text(data: str) -> None:
        if len(state["value"]) < 40:
            state["value"] += data[:40]

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            reference = attributes.get("r")
            if reference is None:
                row, column = state["row"], state["column"] + 1
            else:
                match = _REF.fullmatch(reference)
                if match is None or int(match.group(2)) == 0:
                    raise UploadRefused(f"工作表“{name}”中有无效的单元格引用“{reference[:20]}”，"
                                        "文件可能已损坏。")
                row, column = int(match.group(2)), column_number(match.group(1))
            sheet.cells += 1
            _count(sheet, limits)
            _check_cell(sheet, limits, max(row, 1), column)
            state.update(row=row, column=column, cell=(row, column), formula=False,
                         type=attributes.get("t", "n"), value=None)
        elif local == "row":
            number = attributes.get("r")
            if number is None:
                row = state["row"] + 1
            elif number.isdigit() and 0 < len(number) <= 10 and int(number) > 0:
                row = int(number)
            else:
                raise UploadRefused(f"工作表“{name}”中有无效的行号“{number[:20]}”，"
                                    "文件可能已损坏。")
            sheet.rows += 1
            _count(sheet, limits)
            _check_cell(sheet, limits, row, 1)
            state.update(row=row, column=0)
        elif local == "f":
            state["formula"] = True
        elif local == "v":
            state["value"] = ""
            parser.CharacterDataHandler = text
        elif local == "dimension":
            _check_dimension(sheet, limits, attributes.get("ref", "")[:40])

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "v":
            parser.CharacterDataHandler = None
        elif local == "c":
            row, column = state["cell"]
            value = (state["value"] or "").strip()
            if state["type"] == "e":
                sheet.note(row, column,
                           f"单元格是 Excel 错误值（{value or '错误'}），请改正后再上传")
            elif state["formula"] and (state["value"] is None
                                       or not value and state["type"] not in ("str", "inlineStr")):
                # No <v> at all, or an empty one where only a text result may be empty.
                sheet.note(row, column, FORMULA_WITHOUT_VALUE)

    def refuse_dtd(*_args: object) -> None:
        raise UploadRefused(f"工作表“{name}”含有 DTD 或实体声明，Excel 不会生成这样的文件，"
                            "已拒绝。")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    for buffer in _xml_buffers(handle, entry, name, sheet=True):
        parser.Parse(buffer, False)
    parser.Parse(b"", True)
    return sheet
