"""Journey: the officer downloads the fill-in workbook (下载填报表), fills it offline as a
person would (是/否, numbers as numbers, money as text with thousands separators), uploads
it, and every figure appears in the draft."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.support import OFFICER, expect, filing_values, flagship_code, log_in, report_path

pytestmark = pytest.mark.e2e


def typed_like_a_person(code: str, text: str) -> object:
    """What a clerk types into the 本年数 cell for the form text `text`."""
    from reporting import indicators

    indicator = indicators.BY_CODE[code]
    if indicator.is_bool:
        return "是" if text == "true" else "否"
    if indicator.kind == "int":
        return int(text)
    if code == "building_area":
        return float(Decimal(text))  # a number typed into Excel
    return f"{Decimal(text):,.{indicator.decimals}f}"  # "1,234.50" as text


def test_officer_fills_the_workbook_offline_and_the_figures_appear_in_the_draft(journey):
    from openpyxl import load_workbook

    values = filing_values()
    code = flagship_code()
    page = journey.new_page("officer")
    log_in(page, OFFICER)
    page.goto(report_path(code))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载填报表（.xlsx）").click()
    download = download_info.value
    assert download.suggested_filename == f"fill-in-{code}-2018.xlsx"
    original = journey.artifact(download.suggested_filename)
    download.save_as(original)

    # Offline: every 本年数 cell typed, found by the hidden code column.
    book = load_workbook(original)
    assert book.sheetnames == ["填报说明", "填报表"]
    form = book["填报表"]
    assert form.protection.sheet and form.column_dimensions["G"].hidden
    rows = {form[f"G{r}"].value: r for r in range(5, form.max_row + 1) if form[f"G{r}"].value}
    for figure, text in values.items():
        if text:
            form[f"E{rows[figure]}"] = typed_like_a_person(figure, text)
    assert isinstance(form[f"E{rows['operator_revenue']}"].value, str)
    filled = journey.artifact("filled.xlsx")
    book.save(filled)

    page.get_by_label("上传填好的工作簿").set_input_files(filled)
    page.get_by_role("button", name="上传并保存草稿", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已从上传的工作簿读入数据并保存为草稿")
    expect(page.locator("#report-status")).to_have_text("草稿")
    for figure, text in values.items():
        expect(page.locator(f"#id_{figure}")).to_have_value(text)
    journey.shot(page, "filled-in-draft")
