"""Workbooks for the ledger's and roster's import tests, written with openpyxl as a person's
Excel would save them (values as typed: text, numbers, dates)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from portal.spreadsheet import set_text


def xlsx(rows: Iterable[Sequence[object]], *, sheet: str = "服务活动",
         as_text: bool = False) -> bytes:
    """`as_text`: every str through the portal's text writer (a name starting with = stays
    text); otherwise as openpyxl takes it (a str starting with = becomes a formula)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for number, row in enumerate(rows, 1):
        worksheet.append([None if as_text and isinstance(v, str) else v for v in row])
        for column, value in enumerate(row, 1):
            if as_text and isinstance(value, str):
                set_text(worksheet.cell(row=number, column=column), value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def read_back(data: bytes) -> list[tuple]:
    """The first sheet's rows, as openpyxl opens the file."""
    workbook = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def body(response) -> bytes:
    return b"".join(response.streaming_content)
