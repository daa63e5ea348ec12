"""Differential checks of the data workbook's fast paths against what they replace.

1. The sheet reader against openpyxl's read-only mode.

`reporting.workbook` reads sheet rows with lxml instead of openpyxl's ReadOnlyWorksheet (see
the comment there). This script builds workbooks with every cell form an .xlsx may hold
(shared and inline strings, rich text, booleans, errors, formulas with cached values, dates
and ISO dates, missing and out-of-order coordinates, gaps, "$A$1" and lowercase references,
float row numbers) and asserts that both readers yield exactly the same rows, values and
types. It also checks that a DTD/entity bomb is refused.

2. The cell writer's plain strings (`text_cell` in a write-only sheet) against the pinned text
cells (`set_text`) they replace where openpyxl would store a string anyway: the sheet XML
must be byte-identical.

Run: python bench/check_equivalence.py [workbook.xlsx ...]
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402

from portal.spreadsheet import set_text, text_cell  # noqa: E402
from reporting.workbook import _Book, read_data_workbook  # noqa: E402

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED = ["共享文本", "second", "  padded  ", "x005F_x", "=1+1"]
SHARED_XML = (f'<sst {NS} count="{len(SHARED) + 1}" uniqueCount="{len(SHARED) + 1}">'
              + "".join(f"<si><t xml:space=\"preserve\">{s}</t></si>" for s in SHARED)
              + "<si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></si></sst>")
CT_OVERRIDE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')

SHEETS = {
    "every cell type": """
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>inline</t></is></c>
 <c r="C1" t="inlineStr"><is><r><t>ri</t></r><r><rPr><i/></rPr><t>ch</t></r>
 <rPh sb="0" eb="1"><t>x</t></rPh>
 </is></c>
 <c r="D1" t="b"><v>1</v></c><c r="E1" t="b"><v>0</v></c><c r="F1" t="e"><v>#N/A</v></c>
 <c r="G1" t="str"><f>A1</f><v>cached</v></c><c r="H1"><f>1+1</f><v>2</v></c>
 <c r="I1" s="1"><v>43832</v></c><c r="J1" t="d"><v>2020-01-02T03:04:05</v></c>
 <c r="K1"><v>1.50</v></c><c r="L1"><v>1E3</v></c><c r="M1"><v>-7</v></c><c r="N1"><v></v></c>
 <c r="O1" t="inlineStr"/><c r="P1" t="s"><v>5</v></c><c r="Q1" t="inlineStr"><is><t/></is></c>
 <c r="R1" t="s"><v>3</v></c><c r="S1" t="s"><v>4</v></c><c r="T1"><v>0.1</v></c></row>""",
    "gaps and missing references": """
<row r="2"><c r="C2"><v>1</v></c><c><v>2</v></c><c r="F2"><v>3</v></c></row>
<row><c><v>4</v></c><c><v>5</v></c></row>
<row r="6"/>
<row r="8.0"><c r="B8"><v>6</v></c><c r="D08"><v>7</v></c><c r="ab8"><v>8</v></c></row>
<row r="7"><c r="A7"><v>8</v></c></row>
<row r="9"><c r="E9"><v>9</v></c><c r="B9"><v>10</v></c></row>
<row r="10"><!-- a comment --><c r="A10"><v>11</v></c><?pi x?></row>""",
    "empty": "",
}


def build(sheet_xml: str, with_shared: bool = True) -> bytes:
    """An openpyxl-saved workbook whose first sheet's data is replaced by `sheet_xml`."""
    import datetime

    wb = Workbook()
    ws = wb.active
    ws.title = "reports"
    ws["A1"] = datetime.datetime(2020, 1, 2)  # makes style 1 a date format
    wb.create_sheet("bases")["A1"] = "code"
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (f'<?xml version="1.0"?><worksheet {NS}><sheetData>{sheet_xml}'
                        '</sheetData></worksheet>').encode()
            if item.filename == "[Content_Types].xml" and with_shared:
                data = data.replace(b"</Types>", CT_OVERRIDE.encode() + b"</Types>")
            dst.writestr(item, data)
        if with_shared:
            dst.writestr("xl/sharedStrings.xml", SHARED_XML)
    return out.getvalue()


def openpyxl_rows(data: bytes, name: str) -> list:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = wb[name]
    sheet.reset_dimensions()
    rows = [tuple(row) if isinstance(row, tuple) else row
            for row in sheet.iter_rows(values_only=True)]
    wb.close()
    return rows


def our_rows(data: bytes, name: str) -> list:
    book = _Book(io.BytesIO(data))
    try:
        return list(book.rows(name))
    finally:
        book.close()


def typed(rows: list) -> list:
    return [(type(row).__name__, [(type(v).__name__, v) for v in row]) for row in rows]


def outcome(read, data: bytes, name: str) -> object:
    try:
        return typed(read(data, name))
    except Exception as exc:  # both readers must refuse the same files
        return f"raises ({type(exc).__name__})"


def compare(label: str, data: bytes, *, raises: bool = False) -> None:
    """Both readers give the same rows, or both refuse the file (and `raises` says which)."""
    for name in ("reports", "bases"):
        expected, actual = outcome(openpyxl_rows, data, name), outcome(our_rows, data, name)
        same = expected == actual or ("raises" in str(expected) and "raises" in str(actual))
        assert same, f"{label}/{name}:\n{expected}\n{actual}"
        if name == "reports":
            assert ("raises" in str(expected)) == raises, f"{label}: {expected}"
    print(f"ok  {label}" + (" (both refuse it)" if raises else ""))


TEXTS = ["plain", "", "=SUM(A1)", "=", "+1", "-2", "@x", "'=x", "#N/A", "#DIV/0!", "ctrl\x01char",
         "正常名称", " spaced ", "tab\tand\nnewline", "&<>\"'", None, 12, "x" * 300]


def sheet_xml(make_cell) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    for text in TEXTS:
        sheet.append([make_cell(sheet, text), 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def check_writer() -> None:
    assert sheet_xml(lambda sheet, text: set_text(WriteOnlyCell(sheet), text)) == sheet_xml(
        text_cell)
    print("ok  writer: plain strings and text cells give identical sheets")


def main(paths: list[str]) -> None:
    check_writer()
    for label, xml in SHEETS.items():
        compare(label, build(xml))
    compare("no shared strings part", build(SHEETS["gaps and missing references"], False))
    compare("row 0 in a reference", build('<row><c r="C0"><v>1</v></c><c r="B0"/></row>'))
    compare("column beyond XFD", build('<row><c r="ZZZ1"><v>1</v></c></row>'))
    refused = {  # files openpyxl refuses: the reader must refuse them too
        "bad rich text": '<row><c t="inlineStr"><is><rPh><t>x</t></rPh></is></c></row>',
        "shared string out of range": '<row><c t="s"><v>99</v></c></row>',
        "bad number": "<row><c><v>abc</v></c></row>",
        "absolute reference": '<row><c r="$A$1"><v>1</v></c></row>',
        "digits inside the column": '<row><c r="A1B2"><v>1</v></c></row>',
        "column beyond ZZZ": '<row><c r="AAAA1"><v>1</v></c></row>',
        "bad row number": '<row r="1.5"><c><v>1</v></c></row>',
    }
    for label, xml in refused.items():
        compare(label, build(xml), raises=True)
    for path in paths:  # real files, e.g. the benchmark's synthetic workbook
        compare(path, Path(path).read_bytes())

    # An entity bomb in a sheet: refused (a DTD is never part of a worksheet), quickly.
    bomb = ('<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;'
            '&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;'
            '&e;&e;&e;">]>')
    data = build('<row r="1"><c r="A1" t="inlineStr"><is><t>&f;</t></is></c></row>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<?xml version="1.0"?>',
                                          b'<?xml version="1.0"?>' + bomb.encode())
            dst.writestr(item, content)
    start = time.perf_counter()
    book = read_data_workbook(io.BytesIO(buffer.getvalue()))
    assert not book.ok and "无法读取" in str(book.errors[-1]), book.errors
    print(f"ok  entity bomb refused in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
