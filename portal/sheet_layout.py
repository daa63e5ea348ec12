"""How the portal's workbooks look and print: shared styles, number formats and A4 set-up.

Cells are written by portal/spreadsheet.py only; this module styles and lays out sheets
(normal, not write-only ones) so that every file prints like one a statistician would make
by hand: thin borders, bold centred headers, numbers with thousands separators, A4 pages
fit to one page wide with the header rows repeated and the page number in the footer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.spreadsheet import set_text

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
#: The workbook's default font, named: a font without a name prints in a serif fallback.
FONT_NAME = "Calibri"
BOLD = Font(name=FONT_NAME, bold=True)
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14)
LABEL_FONT = Font(name=FONT_NAME, size=12)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
NARROW_MARGINS = {"left": 0.55, "right": 0.55, "top": 0.75, "bottom": 0.75, "header": 0.3,
                  "footer": 0.3}
HEADER_FILL = PatternFill("solid", fgColor="E7ECF3")
SECTION_FILL = PatternFill("solid", fgColor="F3F5F8")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")

#: Excel's paper size code of A4.
PAPER_A4 = 9
#: Margins in inches (Excel's unit): 2 cm left and right, 2.5 cm top and bottom.
MARGINS = {"left": 0.79, "right": 0.79, "top": 0.98, "bottom": 0.98, "header": 0.4,
           "footer": 0.4}


def number_format(decimals: int, *, percent: bool = False, separators: bool = True) -> str:
    """Excel's format for `decimals` places: "#,##0.0", "0.0%" (percent: no separators)."""
    places = "." + "0" * decimals if decimals else ""
    if percent:
        return f"0{places}%"
    return f"{'#,##0' if separators else '0'}{places}"


def header_cells(sheet: Any, texts: Iterable[object], *, wrap: bool = True
                 ) -> list[WriteOnlyCell]:
    """A bold, centred header row for a write-only sheet's `append`, written as text.
    Without `wrap` the columns must be wide enough (`text_width`): a write-only sheet
    cannot make the row taller."""
    alignment = CENTER if wrap else Alignment(horizontal="center", vertical="center")
    cells = []
    for text in texts:
        cell = set_text(WriteOnlyCell(sheet), text)
        cell.font, cell.alignment, cell.fill, cell.border = BOLD, alignment, HEADER_FILL, BORDER
        cells.append(cell)
    return cells


def text_width(text: str) -> int:
    """Column width units `text` takes in bold: about 1.7 for a Chinese (wide) character,
    1 for others (measured in LibreOffice and Excel with the default fonts)."""
    return round(sum(1.7 if ord(char) > 0x2E7F else 1 for char in text))


def set_widths(sheet: Worksheet | Any, widths: Iterable[float], *, first: int = 1) -> None:
    for column, width in enumerate(widths, start=first):
        sheet.column_dimensions[get_column_letter(column)].width = width


def box(sheet: Worksheet, first_row: int, last_row: int, first_column: int,
        last_column: int) -> None:
    """Thin borders around every cell of the range (merged cells included)."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column,
                               max_col=last_column):
        for cell in row:
            cell.border = BORDER


def page_setup(sheet: Worksheet | Any, *, landscape: bool = False, title_rows: str | None = None,
               footer: str = "", pages_tall: int = 0, print_area: str | None = None,
               narrow: bool = False, fit: bool = True) -> None:
    """A4 (normal and write-only sheets), fit to one page wide unless not `fit`
    (`pages_tall` pages high, 0: as many as needed), centred, `title_rows` ("3:4")
    repeated on every page, the page number and `footer` at the foot."""
    setup = sheet.page_setup
    setup.paperSize = PAPER_A4
    setup.orientation = "landscape" if landscape else "portrait"
    if fit:  # a table too wide to read on one page (the data workbook) prints as it is
        setup.fitToWidth = 1
        setup.fitToHeight = pages_tall
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    for side, inches in (NARROW_MARGINS if narrow else MARGINS).items():
        setattr(sheet.page_margins, side, inches)
    if title_rows:
        sheet.print_title_rows = title_rows
    if print_area:
        sheet.print_area = print_area
    # "&P" and "&N" are Excel's page fields; "&&" keeps a user's ampersand literal.
    note = footer.replace("&", "&&")
    sheet.oddFooter.left.text = note
    sheet.oddFooter.left.size = 9
    sheet.oddFooter.right.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.right.size = 9
