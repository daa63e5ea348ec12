"""The admin's .xlsx import/export format (django-import-export), through portal.spreadsheet.

import-export hands the rows to tablib, which assigns every value to a cell as it is: a
base named "=HYPERLINK(…)" becomes a live formula, and a control character aborts the
export. This format lays the sheet out as tablib does (bold, frozen header row; wrapped
multi-line text; columns as wide as their longest value) but writes every cell through the
portal's one cell writer, and its import drops the apostrophe that writer adds.
`EXPORT_FORMATS` and `IMPORT_FORMATS` in portal/settings.py select it for every admin.
Reading runs the upload guard (portal/uploads.py) first.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import tablib
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from tablib.formats._xlsx import XLSXFormat, safe_xlsx_sheet_title

from portal.spreadsheet import date_cell, number_cell, text_cell, unescape_text
from portal.uploads import check_upload

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True)


def _write(sheet: Worksheet, value: object, row: int, column: int) -> Cell:
    if isinstance(value, str):
        return text_cell(sheet, value, row=row, column=column)
    if type(value) in (int, Decimal):
        return number_cell(sheet, value, row=row, column=column)  # type: ignore[arg-type]
    if isinstance(value, dt.date) and getattr(value, "tzinfo", None) is None:
        return date_cell(sheet, value, row=row, column=column)  # type: ignore[return-value]
    cell = sheet.cell(row=row, column=column)
    try:  # None, booleans: as tablib writes them
        cell.value = value
    except ValueError:
        return text_cell(sheet, value, row=row, column=column)
    return cell


class EscapedXLSX(XLSX):
    """import-export's XLSX format with user text written as text, never as a formula."""

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = (safe_xlsx_sheet_title(dataset.title, "-") if dataset.title
                       else "Tablib Dataset")
        first = 1
        if dataset.headers:
            for column, heading in enumerate(dataset.headers, start=1):
                _write(sheet, heading, 1, column).font = BOLD
            sheet.freeze_panes = "A2"
            first = 2
        for row, values in enumerate(dataset, start=first):
            for column, value in enumerate(values, start=1):
                cell = _write(sheet, value, row, column)
                if "\n" in str(value):
                    cell.alignment = WRAP
        XLSXFormat._adapt_column_width(sheet, "adaptive")
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        # The upload guard before openpyxl, at both steps of an import (the confirm step
        # reads the file the first one stored); UploadRefused carries the user's message.
        check_upload(io.BytesIO(in_stream))
        read = super().create_dataset(in_stream)
        dataset = tablib.Dataset(headers=read.headers)
        for values in read:
            dataset.append([unescape_text(value) if isinstance(value, str) else value
                            for value in values])
        return dataset
