"""Journey: the officer fills the roster offline in Excel and uploads it; a bad credit code
is refused with its row and the rule, nothing is saved; the corrected file imports and the
enterprises are listed with their figures. On a 375 px phone, nothing scrolls sideways."""

from __future__ import annotations

import pytest

from tests.e2e.support import OFFICER, PHONE, assert_fits, expect, log_in

pytestmark = pytest.mark.e2e

GOOD = ("91350100M000100Y43", "星沙新材料有限公司")
SECOND = ("91430100MA00000016", "岳麓云智能科技有限公司")  # tests.roster.helpers.credit_code(1)


def roster_file(path, rows) -> str:
    from openpyxl import Workbook

    from bases.roster import workbook

    columns = workbook.ENTERPRISE_COLUMNS + workbook.FIGURE_COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.title = workbook.SHEET
    sheet.append([text for _key, text in columns])
    sheet.append([key for key, _text in columns])
    for code, name in rows:
        sheet.append([name, code, "2016-03-01", None, "是", "否", None, None, "C",
                      25, 1200.5, 800, -12.34, 30.01, 2, 3, 1, 4, 0])
    book.save(path)
    return str(path)


def test_officer_uploads_a_roster_workbook_and_sees_the_enterprises(journey, tmp_path):
    from bases.roster.models import Enterprise

    phone = journey.new_page("officer", **PHONE)
    log_in(phone, OFFICER)
    phone.get_by_role("link", name="入驻企业名册").first.tap()
    phone.get_by_role("link", name="导入 Excel").tap()
    expect(phone.get_by_role("heading", name="导入入驻企业名册")).to_be_visible()
    assert_fits(phone)

    bad = (SECOND[0][:-1] + "0", SECOND[1])  # wrong check character
    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(
        roster_file(tmp_path / "名册-有误.xlsx", [GOOD, bad]))
    phone.get_by_label("年度数据所属年度").select_option("2018")
    phone.get_by_role("button", name="导入").tap()
    errors = phone.locator(".errors")
    expect(errors).to_contain_text("未导入：发现 1 处错误")
    expect(errors).to_contain_text("工作表“入驻企业名册”第4行 B列（统一社会信用代码）："
                                   "统一社会信用代码校验位不正确（第18位应为 6）")
    assert not Enterprise.objects.filter(credit_code=GOOD[0]).exists()
    assert_fits(phone)
    journey.shot(phone, "refused")

    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(
        roster_file(tmp_path / "名册.xlsx", [GOOD, SECOND]))
    phone.get_by_label("年度数据所属年度").select_option("2018")
    phone.get_by_role("button", name="导入").tap()
    expect(phone.locator(".messages")).to_contain_text("导入完成：新增2家")
    expect(phone.get_by_role("heading", name="入驻企业名册")).to_be_visible()
    table = phone.locator("table")
    expect(table).to_contain_text(GOOD[1])
    expect(table).to_contain_text(SECOND[0])
    assert_fits(phone)
    journey.shot(phone, "imported")

    phone.get_by_role("link", name=GOOD[1], exact=True).tap()
    expect(phone.locator("body")).to_contain_text("-12.34")
    assert_fits(phone)
    journey.assert_no_page_errors()


def test_city_viewer_reads_coverage_and_chart_on_a_390px_phone(journey):
    from tests.e2e.support import CITY_VIEWER

    phone = journey.new_page("city", viewport={"width": 390, "height": 844},
                             device_scale_factor=2, is_mobile=True, has_touch=True)
    log_in(phone, CITY_VIEWER)
    phone.get_by_role("link", name="服务台帐").first.tap()
    expect(phone.get_by_role("heading", name="互联互通")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("台帐更新提醒")
    assert_fits(phone)
    journey.shot(phone, "coverage")
    phone.get_by_role("link", name="月度图表").tap()
    expect(phone.locator("figure.chart svg")).to_be_visible()
    assert_fits(phone)
    journey.shot(phone, "chart")
    journey.assert_no_page_errors()
