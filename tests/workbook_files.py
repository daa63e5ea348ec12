"""Workbooks for the ledger's and roster's import tests, written with openpyxl as a person's
Excel would save them (values as typed: text, numbers, dates)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook


def xlsx(rows: Iterable[Sequence[object]], *, sheet: str = "服务活动") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
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
