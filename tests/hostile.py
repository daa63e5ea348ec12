"""Hostile workbooks, written on demand (never committed as files).

Each function returns the bytes of an .xlsx whose `reports` sheet (and `bases` sheet,
where given) holds the raw sheetData XML passed in, so a test can say exactly what the
attacker wrote. The bombs of issue 14 are generated row by row into the zip, so building a
199 MB bomb never holds 199 MB. Used by the tests and by bench/tasks.py.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from functools import cache

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{RELATIONSHIPS}/worksheet"
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">'


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{sheets}</Types>")


def workbook(sheets: dict[str, str | Iterable[bytes]], *, head: str = "",
             shared_strings: list[str] | None = None, strings_part: str = "sharedStrings.xml",
             extra: dict[str, bytes] | None = None, compresslevel: int = 9) -> bytes:
    """An .xlsx with one worksheet per (name, sheetData content) in `sheets`.

    A content given as an iterable of bytes is streamed into the zip as it is produced.
    `head` goes between <worksheet> and <sheetData> (a <dimension>, say).
    """
    buffer = io.BytesIO()
    names = list(sheets)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(names)))
        zf.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                    f'xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELATIONSHIPS}/'
                    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        entries = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, name in enumerate(names, 1))
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook '
                    f'xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{entries}</sheets>'
                    "</workbook>")
        relations = "".join(f'<Relationship Id="rId{i}" Type="{WORKSHEET_TYPE}" '
                            f'Target="worksheets/sheet{i}.xml"/>'
                            for i in range(1, len(names) + 1))
        if shared_strings is not None:
            relations += (f'<Relationship Id="rIdS" Type="{RELATIONSHIPS}/sharedStrings" '
                          f'Target="{strings_part}"/>')
            items = "".join(f"<si><t>{text}</t></si>" for text in shared_strings)
            zf.writestr(f"xl/{strings_part}", f'<?xml version="1.0" encoding="UTF-8"?>'
                        f'<sst xmlns="{MAIN}">{items}</sst>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?>'
                    f'<Relationships xmlns="{PACKAGE}">{relations}</Relationships>')
        for i, name in enumerate(names, 1):
            content = sheets[name]
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                part.write(f"{SHEET_HEAD}{head}<sheetData>".encode())
                if isinstance(content, str):
                    part.write(content.encode())
                else:
                    for block in content:
                        part.write(block)
                part.write(b"</sheetData></worksheet>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def cells(*values: tuple[str, str]) -> str:
    """sheetData for a few cells: ("B2", '<c r="B2"><v>1</v></c>') pairs, grouped by row."""
    rows: dict[int, list[str]] = {}
    for ref, xml in values:
        rows.setdefault(int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), []).append(xml)
    return "".join(f'<row r="{row}">{"".join(xml)}</row>' for row, xml in sorted(rows.items()))


ONE_CELL_ROW = b"<row><c><v>1</v></c></row>"


@cache
def row_bomb(inflated_mb: int) -> bytes:
    """Issue 14: a reports sheet of identical one-cell rows inflating to about
    `inflated_mb` MB: 20 MB is some 60 KB on disk, 199 MB some 0.5 MB."""
    rows = inflated_mb * 1024 * 1024 // len(ONE_CELL_ROW)
    blocks, rest = divmod(rows, 40_000)  # about 1 MB a block
    return workbook({"reports": [ONE_CELL_ROW * 40_000] * blocks + [ONE_CELL_ROW * rest]})


def numbered_rows(count: int) -> bytes:
    """`count` one-cell rows, numbered as Excel numbers them."""
    return workbook({"reports": b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i)
                                         for i in range(1, count + 1)).decode()})


@cache
def far_row() -> bytes:
    """Issue 14: a few KB, one row numbered 2,000,000,000 (a dense reader asks for 64 GB)."""
    return workbook({"reports": cells(("A1", '<c r="A1" t="inlineStr"><is><t>base_code</t>'
                                             "</is></c>"),
                                      ("A2000000000", '<c r="A2000000000"><v>1</v></c>'))})


def far_column() -> bytes:
    """One cell in column XFD, the last Excel has."""
    return workbook({"reports": cells(("A1", '<c r="A1"><v>1</v></c>'),
                                      ("XFD1", '<c r="XFD1"><v>1</v></c>'))})


def far_row_without_references() -> bytes:
    """The far row again, written without cell references: the cell takes the row's number."""
    return workbook({"reports": '<row><c><v>1</v></c></row><row r="2000000000"><c><v>1</v></c>'
                                "</row>"})


def dtd() -> bytes:
    """A worksheet with an internal DTD and an entity (the start of a billion laughs)."""
    sheet = ('<!DOCTYPE worksheet [<!ENTITY lol "lol">]>'
             f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
             "<is><t>&lol;</t></is></c></row></sheetData></worksheet>")
    return replace_part(workbook({"reports": ""}), "xl/worksheets/sheet1.xml", sheet.encode())


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part's content replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name
                            else source.read(info.filename))
    return buffer.getvalue()


def understated(data: bytes, name: str, declared: int) -> bytes:
    """The workbook with `name` declaring only its first `declared` bytes (size and CRC),
    while its deflate stream still holds all of them: zipfile stops reading at the
    declared size, a reader that trusts the stream does not."""
    data = replace_part(data, "", b"")  # every entry rewritten plainly (no zip64 fields)
    source = zipfile.ZipFile(io.BytesIO(data))
    info = source.getinfo(name)
    crc = zlib.crc32(source.read(name)[:declared])
    patched = bytearray(data)
    # Local file header: CRC at +14, uncompressed size at +22.
    struct.pack_into("<L", patched, info.header_offset + 14, crc)
    struct.pack_into("<L", patched, info.header_offset + 22, declared)
    # Central directory entry: CRC at +16, uncompressed size at +24.
    central = patched.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46:central + 46 + length] == name.encode():
            struct.pack_into("<L", patched, central + 16, crc)
            struct.pack_into("<L", patched, central + 24, declared)
            break
        central = patched.find(b"PK\x01\x02", central + 46)
    return bytes(patched)
