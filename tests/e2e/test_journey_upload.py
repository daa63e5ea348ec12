"""Journey 5: the officer downloads the report's workbook, changes a figure offline and
uploads it into the draft; a broken workbook is refused naming the row and column."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    OFFICER,
    expect,
    filing_values,
    flagship_code,
    log_in,
    report_path,
    save_draft_through_services,
)

pytestmark = pytest.mark.e2e

NEW_AREA = 765432.1  # typed into Excel as a number
NEW_AREA_SHOWN = "765432.10"


def column_of(sheet, code: str) -> int:
    header = [cell.value for cell in sheet[2]]  # row 1: Chinese labels, row 2: codes
    return header.index(code) + 1


def upload(page, path) -> None:
    page.get_by_label("上传填好的工作簿").set_input_files(path)
    page.get_by_role("button", name="上传并保存草稿", exact=True).click()


def test_officer_round_trips_the_workbook_and_a_broken_one_is_refused(journey):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    values = filing_values()
    save_draft_through_services(values)
    code = flagship_code()
    page = journey.new_page("officer")
    log_in(page, OFFICER)
    page.goto(report_path(code))
    expect(page.locator("#report-status")).to_have_text("草稿")
    expect(page.locator("#id_building_area")).to_have_value(values["building_area"])
    journey.shot(page, "draft")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="数据工作簿格式").click()
    download = download_info.value
    assert download.suggested_filename == f"report-{code}-2018.xlsx"
    original = journey.artifact(download.suggested_filename)
    download.save_as(original)

    # Offline: one figure changed in the reports sheet.
    book = load_workbook(original)
    sheet = book["reports"]
    assert [sheet.cell(row=3, column=1).value, sheet.cell(row=3, column=2).value] == [code, 2018]
    area = sheet.cell(row=3, column=column_of(sheet, "building_area"))
    assert str(area.value) in ("760000", "760000.0")
    area.value = NEW_AREA
    changed = journey.artifact("changed.xlsx")
    book.save(changed)

    upload(page, changed)
    expect(page.locator(".messages")).to_contain_text("已从上传的工作簿读入数据并保存为草稿")
    expect(page.locator("#report-status")).to_have_text("草稿")
    expect(page.locator("#id_building_area")).to_have_value(NEW_AREA_SHOWN)
    expect(page.locator("#id_service_staff")).to_have_value(values["service_staff"])
    journey.shot(page, "uploaded")
    page.reload()
    expect(page.locator("#id_building_area")).to_have_value(NEW_AREA_SHOWN)

    # A broken workbook: text in a number column. Nothing is saved; the message says where.
    staff_column = column_of(sheet, "service_staff")
    sheet.cell(row=3, column=staff_column).value = "二十五人"
    broken = journey.artifact("broken.xlsx")
    book.save(broken)
    upload(page, broken)
    letter = get_column_letter(staff_column)
    errors = page.locator(".messages .msg-error")
    expect(errors.first).to_contain_text("上传的工作簿有 1 处问题，未保存任何数据")
    expect(errors.nth(1)).to_have_text(
        re.compile(rf"第3行 {letter}列（服务人员数量）：必须是数字"))
    expect(page.locator("#id_service_staff")).to_have_value(values["service_staff"])
    expect(page.locator("#id_building_area")).to_have_value(NEW_AREA_SHOWN)
    journey.shot(page, "broken-refused", full_page=False)
