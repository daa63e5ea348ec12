"""The bulletin draft as a Word document (python-docx).

Layout after the usual government-document conventions: A4, the title in 宋体 二号 bold,
body in 仿宋 三号, "一、" headings in 黑体 and "1." headings in 楷体 (real Heading 1/2 styles, so
Word's navigation pane and outline work), every Chinese font set as the w:eastAsia font of
the style (Word otherwise falls back to the theme's East Asian font). Notes and placeholders
for the author are highlighted. Each annex starts a new page: "附件N", its title and its
table, with the printed header groups merged (附件3/4: two header rows) from `Annex.header`.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import IO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph

from portal.spreadsheet import safe_text
from reporting.bulletin.draft import Bulletin, Paragraph, Section
from reporting.statistics.annexes import Annex, HeaderCell

LATIN_FONT = "Times New Roman"
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONTS = {1: "黑体", 2: "楷体"}
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(10.5)  # 五号
BLACK = RGBColor(0, 0, 0)
INDENT = Pt(32)  # two characters of 三号
HIGHLIGHT = {"note": WD_COLOR_INDEX.GRAY_25, "placeholder": WD_COLOR_INDEX.YELLOW}
LABEL_WIDTH = Cm(5.2)
CONTENT_WIDTH = Cm(15.6)
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def set_fonts(element: object, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set rPr/rFonts of a style or run element, dropping theme fonts that would win."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attribute in THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    for attribute, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia),
                            ("w:cs", latin)):
        fonts.set(qn(attribute), name)


def _style(style: BaseStyle, east_asia: str, size: Pt, *, bold: bool = False) -> None:
    set_fonts(style.element, east_asia)
    font = style.font  # type: ignore[attr-defined]
    font.size, font.bold, font.italic = size, bold, False
    font.color.rgb = BLACK


def _setup(document: DocumentObject, bulletin: Bulletin) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    styles = document.styles
    normal = styles["Normal"]
    _style(normal, BODY_FONT, BODY_SIZE)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(language)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    title = styles["Title"]
    _style(title, TITLE_FONT, TITLE_SIZE, bold=True)
    title_ppr = title.element.get_or_add_pPr()
    for border in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(border)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = 1.2
    title.paragraph_format.space_after = Pt(16)
    for level, font in HEADING_FONTS.items():
        heading = styles[f"Heading {level}"]
        _style(heading, font, BODY_SIZE, bold=level == 2)
        heading.paragraph_format.first_line_indent = INDENT
        heading.paragraph_format.space_before = Pt(6)
        heading.paragraph_format.line_spacing = Pt(28)
    properties = document.core_properties
    properties.title = bulletin.title
    properties.subject = "通报草稿"
    properties.author = "湖南省创业创新基地信息报送平台"
    _page_numbers(section.footer.paragraphs[0])


def _page_numbers(paragraph: DocxParagraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    closing = OxmlElement("w:r")
    closing_text = OxmlElement("w:t")
    closing_text.set(qn("xml:space"), "preserve")
    closing_text.text = " —"
    closing.append(closing_text)
    paragraph._p.append(closing)


def _add_paragraph(document: DocumentObject, paragraph: Paragraph, *,
                   align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True) -> DocxParagraph:
    result = document.add_paragraph()
    run = result.add_run(safe_text(paragraph.text))
    if paragraph.kind in HIGHLIGHT:
        run.font.highlight_color = HIGHLIGHT[paragraph.kind]
    if indent:
        result.paragraph_format.first_line_indent = INDENT
    result.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    return result


def _add_section(document: DocumentObject, section: Section, level: int) -> None:
    document.add_heading(safe_text(section.heading), level=level)
    for paragraph in section.paragraphs:
        _add_paragraph(document, paragraph)
    for sub in section.subsections:
        _add_section(document, sub, level + 1)


def header_positions(header: Sequence[Sequence[HeaderCell]]) -> list[tuple[int, int, HeaderCell]]:
    """(row, column, cell) of every header cell, HTML span semantics (spanned cells skipped)."""
    taken: set[tuple[int, int]] = set()
    positions = []
    for r, cells in enumerate(header):
        column = 0
        for cell in cells:
            while (r, column) in taken:
                column += 1
            positions.append((r, column, cell))
            taken.update((rr, cc) for rr in range(r, r + cell.rowspan)
                         for cc in range(column, column + cell.colspan))
            column += cell.colspan
    return positions


def _cell_text(cell, text: str, *, bold: bool = False,
               align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    run = paragraph.add_run(safe_text(text))
    run.font.size, run.font.bold = TABLE_SIZE, bold
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.paragraph_format.first_line_indent = Pt(0)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _repeat_as_header(table: Table, rows: int) -> None:
    for row in table.rows[:rows]:
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(flag)


def add_annex_table(document: DocumentObject, annex: Annex) -> Table:
    heading_rows = len(annex.header)
    table = document.add_table(rows=heading_rows + len(annex.rows), cols=annex.width)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    value_width = int((CONTENT_WIDTH - LABEL_WIDTH) / max(annex.width - 1, 1))
    for column, width in enumerate([LABEL_WIDTH] + [value_width] * (annex.width - 1)):
        for cell in table.columns[column].cells:
            cell.width = width
    for r, c, header in header_positions(annex.header):
        target = table.cell(r, c)
        if header.rowspan > 1 or header.colspan > 1:
            target = target.merge(table.cell(r + header.rowspan - 1, c + header.colspan - 1))
        _cell_text(target, header.text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for offset, row in enumerate(annex.rows):
        cells = table.rows[heading_rows + offset].cells
        _cell_text(cells[0], row.label)
        for column, value in enumerate(row.cells, start=1):
            _cell_text(cells[column], value.display, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _repeat_as_header(table, heading_rows)
    return table


def _add_annex(document: DocumentObject, annex: Annex) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    heading = document.add_heading(annex.sheet_name, level=1)
    heading.paragraph_format.first_line_indent = Pt(0)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(safe_text(annex.title))
    run.font.bold = True
    set_fonts(run._r, TITLE_FONT)
    add_annex_table(document, annex)


def build_document(bulletin: Bulletin) -> DocumentObject:
    document = Document()
    _setup(document, bulletin)
    document.add_paragraph(safe_text(bulletin.title), style="Title")
    for note in bulletin.notes:
        _add_paragraph(document, note)
    _add_paragraph(document, Paragraph(bulletin.addressees), indent=False)
    _add_paragraph(document, Paragraph(bulletin.opening))
    for section in bulletin.sections:
        _add_section(document, section, level=1)
    document.add_paragraph()
    for line in bulletin.signature:
        _add_paragraph(document, line, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    for annex in bulletin.annexes:
        _add_annex(document, annex)
    return document


def write_bulletin_docx(bulletin: Bulletin, file: str | PathLike[str] | IO[bytes]) -> None:
    build_document(bulletin).save(file)
