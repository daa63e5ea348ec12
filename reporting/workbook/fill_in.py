"""The officer's fill-in workbook (下载填报表): a form to fill offline, print and upload.

Sheet 填报说明 says what to fill and how to upload; sheet 填报表 has one indicator per row,
grouped by the catalog's sections: 序号 / 指标 / 单位 / 上年数（已审核） / 本年数 / 说明.
The sheet is protected without a password so that the labels cannot be broken by
accident; only 本年数 and 说明 are open, and each 本年数 cell validates what the catalog
allows. The indicator codes sit in a hidden column (and the base code and year above
them), so the upload reads the figures back exactly, through the same `Indicator.parse` as
the web form. Derived figures (拥有专利) are shown computed and are never read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from portal.sheet_layout import (
    BOLD,
    CENTER,
    HEADER_FILL,
    INPUT_FILL,
    LEFT,
    RIGHT,
    SECTION_FILL,
    TITLE_FONT,
    box,
    number_format,
    page_setup,
    set_widths,
)
from portal.sheets import clean_text
from portal.spreadsheet import number_cell, text_cell
from portal.uploads import CORRUPT, Source, UploadRefused, UploadScan, binary, check_upload
from reporting import indicators
from reporting.indicators import InvalidValue, Value
from reporting.workbook.data import CellError, ErrorList, read_report_upload

GUIDE_SHEET = "填报说明"
FORM_SHEET = "填报表"
COLUMNS = ("序号", "指标", "单位", "上年数（已审核）", "本年数", "说明")
WIDTHS = (5, 34, 11, 14, 14, 24)
#: Column letters of the figure the officer types and of the hidden machine codes.
VALUE_COLUMN = "E"
NOTE_COLUMN = "F"
CODE_COLUMN = "G"
HEADER_ROW = 4
#: Hidden cells that say whose form this is: base code (G1) and year (G2).
BASE_CELL, YEAR_CELL = f"{CODE_COLUMN}1", f"{CODE_COLUMN}2"
SECTION_NUMBERS = "一二三四五六七八九十"
OPEN = Protection(locked=False)


@dataclass(frozen=True)
class FormContext:
    """Whose form it is and what it starts with."""

    base_code: str
    base_name: str
    year: int
    deadline: dt.date | None
    values: Mapping[str, Value]
    previous: Mapping[str, Value]


def _unit(indicator: indicators.Indicator) -> str:
    return "是/否" if indicator.is_bool else indicator.unit


def _rules(indicator: indicators.Indicator) -> str:
    """The catalog's rules for the figure, in words (the 说明 column and the input message)."""
    if indicator.derived:
        parts = "、".join(indicators.BY_CODE[code].label for code in indicator.derived_from)
        return f"自动合计（{parts}），无需填写"
    rules = []
    if indicator.is_bool:
        rules.append("填“是”或“否”")
    else:
        sign = "可为负数" if indicator.minimum is None else (
            "非负" if indicator.minimum == 0 else f"不小于{indicator.minimum}")
        if indicator.kind == "int":
            rules.append(f"{sign}整数" if sign == "非负" else f"{sign}，整数")
        else:
            rules.append(f"{sign}，最多{indicator.decimals}位小数")
    if indicator.not_above:
        rules.append(f"不大于“{indicators.BY_CODE[indicator.not_above].label}”")
    if indicator.implies:
        rules.append(f"为“是”时“{indicators.BY_CODE[indicator.implies].label}”须为“是”")
    rules.append("必填" if indicator.required else "选填")
    return "；".join(rules)


def _validation(indicator: indicators.Indicator, cell: str) -> DataValidation:
    """Excel's data validation of a 本年数 cell, from the catalog."""
    if indicator.is_bool:
        validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    else:
        low = indicator.minimum if indicator.minimum is not None else -indicators.MAX_WHOLE
        validation = DataValidation(
            type="whole" if indicator.kind == "int" else "decimal",
            operator="between", formula1=str(low), formula2=str(indicators.MAX_WHOLE),
            allow_blank=True)
    validation.promptTitle = indicator.label[:32]
    validation.prompt = f"单位：{_unit(indicator)}。{_rules(indicator)}"[:255]
    validation.errorTitle = "数值不符合要求"
    validation.error = f"{indicator.label}：{_rules(indicator)}"[:255]
    validation.showInputMessage = validation.showErrorMessage = True
    validation.add(cell)
    return validation


def _value_cell(sheet: Worksheet, row: int, column: int, indicator: indicators.Indicator,
                value: Value | None) -> None:
    if indicator.is_bool:
        text_cell(sheet, "" if value is None else "是" if value else "否", row=row,
                  column=column).alignment = CENTER
        return
    number_cell(sheet, value, number_format(indicator.decimals),  # type: ignore[arg-type]
                row=row, column=column).alignment = RIGHT


def _write_guide(sheet: Worksheet, form: FormContext) -> None:
    deadline = form.deadline.strftime("%Y年%m月%d日") if form.deadline else "以省里通知为准"
    lines = [
        ("title", f"{form.year}年度省级中小微企业创业创新基地数据填报表 · 填报说明"),
        ("", ""),
        ("基地名称", form.base_name),
        ("基地编码", form.base_code),
        ("报送年度", f"{form.year}年"),
        ("截止日期", deadline),
        ("", ""),
        ("填写什么", f"在“{FORM_SHEET}”工作表中逐行填写“本年数”（黄色单元格），"
                     "单位见“单位”列；“上年数”为已审核的上年数据，仅供对照。"),
        ("单位", "面积：平方米；金额：万元；人数：人；户数：家；场次、家次按实填写。"
                 "“是/否”项从下拉列表中选择。"),
        ("规则", "整数项填整数；金额、面积最多保留2位小数；除利润外均不能为负数；"
                 "“其中”项不能大于其总数；“拥有专利”由三类专利自动合计，无需填写。"
                 "把鼠标停在单元格上可看到该项的规则。"),
        ("说明列", "可记录数据来源或备注，供您自己核对，上传时不读取；"
                   "需要向审核人说明的情况，请在网页提交时填写“情况说明”。"),
        ("如何上传", "填好后保存为 .xlsx，登录平台，打开本年度报表页面，"
                     "在“Excel 工作簿”处选择文件并点击“上传并保存草稿”。"
                     "上传只保存为草稿；请核对网页上的数据后再提交审核。"),
        ("出错时", f"平台会指出出错的行（指标名称）和列字母（“本年数”在 {VALUE_COLUMN} 列），"
                   "改正后重新上传即可，出错时不会保存任何数据。"),
        ("工作表保护", "为防止误改指标名称，工作表已保护（无密码），只有“本年数”和“说明”可以填写。"
                       "请不要增删行、改动隐藏列。"),
    ]
    set_widths(sheet, (14, 80))
    for row, (label, text) in enumerate(lines, start=1):
        if label == "title":
            cell = text_cell(sheet, text, row=row, column=1)
            cell.font, cell.alignment = TITLE_FONT, CENTER
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            sheet.row_dimensions[row].height = 30
            continue
        if not label:
            continue
        head = text_cell(sheet, label, row=row, column=1)
        head.font, head.alignment = BOLD, LEFT
        text_cell(sheet, text, row=row, column=2).alignment = LEFT
        # Wrapped text needs the height set by hand: LibreOffice and Excel keep 15 pt.
        sheet.row_dimensions[row].height = 16 * max(1, -(-len(text) // 40))
    page_setup(sheet, pages_tall=1, footer=f"{form.base_name} {form.year}年度 填报说明")


def _write_form(sheet: Worksheet, form: FormContext) -> None:
    width = len(COLUMNS)
    title = text_cell(sheet, f"{form.year}年度省级中小微企业创业创新基地数据填报表",
                      row=1, column=1)
    title.font, title.alignment = TITLE_FONT, CENTER
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 28
    who = text_cell(sheet, f"基地名称：{form.base_name}　　基地编码：{form.base_code}　　"
                           f"报送年度：{form.year}年", row=2, column=1)
    who.alignment = LEFT
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    hint = text_cell(sheet, "只填黄色的“本年数”单元格；规则见“说明”列和“填报说明”工作表。",
                     row=3, column=1)
    hint.alignment = LEFT
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    text_cell(sheet, form.base_code, row=1, column=width + 1)
    number_cell(sheet, form.year, row=2, column=width + 1)
    for column, heading in enumerate(COLUMNS, start=1):
        cell = text_cell(sheet, heading, row=HEADER_ROW, column=column)
        cell.font, cell.alignment, cell.fill = BOLD, CENTER, HEADER_FILL
    text_cell(sheet, "指标代码", row=HEADER_ROW, column=width + 1)

    row, number = HEADER_ROW + 1, 0
    for index, (section, heading) in enumerate(indicators.SECTIONS.items()):
        members = indicators.in_section(section)
        if not members:
            continue
        cell = text_cell(sheet, f"{SECTION_NUMBERS[index]}、{heading}", row=row, column=1)
        cell.font, cell.fill = BOLD, SECTION_FILL
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
        for indicator in members:
            number += 1
            _write_indicator(sheet, row, number, indicator, form)
            row += 1
    box(sheet, HEADER_ROW, row - 1, 1, width)
    set_widths(sheet, WIDTHS)
    sheet.column_dimensions[CODE_COLUMN].hidden = True
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.protection.sheet = True  # no password: it guards against accidents, not people
    sheet.protection.formatColumns = sheet.protection.formatRows = False  # widths may change
    page_setup(sheet, title_rows=f"{HEADER_ROW}:{HEADER_ROW}", pages_tall=2, narrow=True,
               print_area=f"A1:{NOTE_COLUMN}{row - 1}",
               footer=f"{form.base_name}（{form.base_code}）{form.year}年度")


def _write_indicator(sheet: Worksheet, row: int, number: int,
                     indicator: indicators.Indicator, form: FormContext) -> None:
    number_cell(sheet, number, row=row, column=1).alignment = CENTER
    text_cell(sheet, indicator.label, row=row, column=2).alignment = LEFT
    text_cell(sheet, _unit(indicator), row=row, column=3).alignment = CENTER
    _value_cell(sheet, row, 4, indicator, form.previous.get(indicator.code))
    current = form.values.get(indicator.code)
    _value_cell(sheet, row, 5, indicator, current)
    note = text_cell(sheet, _rules(indicator), row=row, column=6)
    note.alignment = LEFT
    text_cell(sheet, indicator.code, row=row, column=7)
    # Wrapped text needs its height by hand (LibreOffice and Excel keep the default):
    # about 14 Chinese characters fit on a line of the 说明 column, 17 of the 指标 column.
    lines = max(-(-len(_rules(indicator)) // 14), -(-len(indicator.label) // 17), 1)
    sheet.row_dimensions[row].height = max(18, 14 * lines + 4)
    if indicator.derived:
        return  # shown computed, locked
    value = sheet.cell(row=row, column=5)
    value.protection, value.fill = OPEN, INPUT_FILL
    note.protection = OPEN
    sheet.add_data_validation(_validation(indicator, f"{VALUE_COLUMN}{row}"))


def write_fill_in_workbook(target: Source, form: FormContext) -> None:
    """The fill-in workbook of `form` (the report's current figures filled in)."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = GUIDE_SHEET
    values = indicators.with_derived(dict(form.values))
    previous = indicators.with_derived(dict(form.previous))
    form = FormContext(form.base_code, form.base_name, form.year, form.deadline, values, previous)
    _write_guide(guide, form)
    sheet = workbook.create_sheet(FORM_SHEET)
    _write_form(sheet, form)
    workbook.active = 1
    workbook.save(target)  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------


def _cell(rows: list[list], row: int, column: int) -> object:
    """The raw cell (1-based row and column) of a calamine grid, "" when outside it."""
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        return rows[row - 1][column - 1]
    return ""


def read_fill_in(rows: list[list], *, base_code: str, year: int,
                 scan_notes: Mapping[tuple[int, int], str] | None = None
                 ) -> tuple[dict[str, Value | None] | None, ErrorList]:
    """The figures of a filled 填报表 grid, or (None, errors naming row label and column).
    `scan_notes`: the upload guard's notes by (row, column), e.g. a formula without value."""
    errors = ErrorList()
    scan_notes = scan_notes or {}
    code_column = len(COLUMNS) + 1
    value_column = len(COLUMNS) - 1
    sheet_base = clean_text(_cell(rows, 1, code_column))
    raw_year = _cell(rows, 2, code_column)
    if sheet_base != base_code:
        errors.append(CellError(FORM_SHEET, 2, None, "基地编码",
                                f"这是基地“{sheet_base or '未知'}”的填报表，"
                                f"只能上传本基地（{base_code}）的填报表"))
    if not isinstance(raw_year, float) or int(raw_year) != year:
        errors.append(CellError(FORM_SHEET, 2, None, "报送年度",
                                f"只能上传{year}年度的填报表"))
    if errors:
        return None, errors
    values: dict[str, Value | None] = dict.fromkeys(indicators.ENTERED_CODES)
    seen: set[str] = set()
    for row_number in range(HEADER_ROW + 1, len(rows) + 1):
        code = clean_text(_cell(rows, row_number, code_column))
        if not code:
            continue
        indicator = indicators.BY_CODE.get(code)
        label = clean_text(_cell(rows, row_number, 2)) or code
        if indicator is None or code in seen:
            errors.append(CellError(FORM_SHEET, row_number, CODE_COLUMN, label,
                                    "隐藏列中的指标代码被改动，请重新下载填报表后填写"))
            continue
        seen.add(code)
        if indicator.derived:
            continue
        note = scan_notes.get((row_number, value_column))
        raw = _cell(rows, row_number, value_column)
        try:
            if note is not None:
                raise InvalidValue(note)
            if isinstance(raw, float) and indicator.is_bool and raw.is_integer():
                raw = int(raw)
            values[code] = indicator.parse(raw)
        except InvalidValue as exc:
            errors.append(CellError(FORM_SHEET, row_number, VALUE_COLUMN, indicator.label,
                                    str(exc)))
        except ArithmeticError:
            errors.append(CellError(FORM_SHEET, row_number, VALUE_COLUMN, indicator.label,
                                    "数值过大"))
    if not seen:
        errors.append(CellError(FORM_SHEET, None, None, "",
                                "找不到指标代码（隐藏列），请重新下载填报表后填写"))
    if errors:
        return None, errors
    return values, errors


def read_officer_upload(file: Source, *, base_code: str, year: int
                        ) -> tuple[dict[str, Value | None] | None, ErrorList]:
    """An officer's upload: the fill-in workbook, or a data workbook (its one reports row).

    The upload guard runs first, as for every upload; never raises on bad input."""
    errors = ErrorList()
    try:
        scan: UploadScan = check_upload(file)
    except UploadRefused as exc:
        errors.append(CellError("", None, None, "", str(exc)))
        return None, errors
    try:
        with binary(file) as (handle, _name):
            workbook = CalamineWorkbook.from_filelike(handle)
        try:
            names = list(workbook.sheet_names)
            if FORM_SHEET not in names:
                return read_report_upload(file, base_code=base_code, year=year, scan=scan)
            rows = workbook.get_sheet_by_name(FORM_SHEET).to_python(skip_empty_area=False)
            sheet_scan = scan.sheet(FORM_SHEET)
            notes = {(note.row, note.column): note.message
                     for note in (sheet_scan.notes if sheet_scan else ())}
        finally:
            workbook.close()
    except Exception:  # any parser failure is the file's fault, never a server error
        errors.append(CellError("", None, None, "", CORRUPT))
        return None, errors
    return read_fill_in(rows, base_code=base_code, year=year, scan_notes=notes)
