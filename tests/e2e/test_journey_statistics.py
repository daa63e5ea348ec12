"""Journey 3: the admin reads the 2017 annexes against 2016 and downloads the workbook."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import ADMIN, add_totp_device, expect, log_in_with_totp

pytestmark = pytest.mark.e2e

BASES = "省级创业基地数量（家）"
AREA = "建筑面积（万平方米）"


def annex_row(annex, label: str):
    return annex.locator("tbody tr").filter(
        has=annex.page.locator("th", has_text=re.compile(rf"^{re.escape(label)}$")))


def test_admin_reads_2017_against_2016_and_downloads_the_annex_workbook(journey):
    from openpyxl import load_workbook

    add_totp_device(ADMIN)
    admin = journey.new_page("admin")
    log_in_with_totp(admin)

    # No menu entry leads here (see the report); the admin types the address.
    admin.goto("/statistics/")
    admin.get_by_label("统计年度").fill("2017")
    admin.get_by_label("对比年度").fill("2016")
    admin.get_by_role("button", name="查询", exact=True).click()
    expect(admin).to_have_url(re.compile(r"/statistics/\?.*year=2017"))
    expect(admin).to_have_url(re.compile(r"compare_year=2016"))
    expect(admin.get_by_text("2017年纳入统计的基地 102 家")).to_be_visible()

    annex = admin.locator("#annex1")
    expect(annex.get_by_role("heading", name="附件1")).to_be_visible()
    expect(annex_row(annex, BASES).locator("td").first).to_have_text("102")
    expect(annex_row(annex, AREA).locator("td").first).to_have_text("1653.0")
    expect(admin.locator("canvas").first).to_be_visible()  # the charts drew (CSP-clean JS)
    journey.shot(admin, "statistics")
    annex.scroll_into_view_if_needed()
    journey.shot(admin, "annex1", full_page=False)

    with admin.expect_download() as download_info:
        admin.get_by_role("link", name=re.compile(r"^下载附表工作簿")).click()
    download = download_info.value
    assert download.suggested_filename == "annexes-2017.xlsx"
    saved = journey.artifact(download.suggested_filename)
    download.save_as(saved)

    sheet = load_workbook(saved)["附件1"]
    labels = {sheet.cell(row=r, column=1).value: r for r in range(1, sheet.max_row + 1)}
    assert sheet["A1"].value == "附件1"
    assert (sheet["A4"].value, sheet["B4"].value) == (BASES, 102), labels
    assert (sheet["A5"].value, sheet["B5"].value) == (AREA, 1653.0), labels
    assert sheet["B5"].number_format == "#,##0.0"  # shows 1,653.0 in Excel, as on the page
