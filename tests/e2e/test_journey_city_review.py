"""Journey: two-level review (SPEC 11) in the demo's 2018 round. The officer submits; the
长沙市 city reviewer, on a phone, returns it with a comment on one figure; the officer corrects
and resubmits; the city reviewer sees the change and passes it with an opinion; the province
admin reads the city's opinion at the top of the review page and approves."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.e2e.support import (
    CITY_REVIEWER,
    DESKTOP,
    EXPLAINED_CHECK,
    FLAGSHIP,
    OFFICER,
    PHONE,
    add_totp_device,
    assert_fits,
    center,
    expect,
    filing_values,
    fill_report,
    flagship_code,
    log_in,
    log_in_with_totp,
    report_path,
    round_row,
)

pytestmark = pytest.mark.e2e

EXPLANATION = "新建孵化楼投入使用，物业和服务性支出增加。"
FIELD_COMMENT = "与不动产权证面积不一致，请核实。"
CITY_OPINION = "已与不动产权证核对，同意上报。"
CORRECTED_AREA = "750000.00"


def test_city_reviewer_returns_then_passes_and_the_province_approves(journey):
    from reporting.models import Report, Status

    values = filing_values()
    code = flagship_code()
    path = report_path(code)

    # The officer files and submits on the desktop; the round is two-level.
    officer = journey.new_page("officer", **DESKTOP)
    log_in(officer, OFFICER)
    round_row(officer).get_by_role("link", name="填报").click()
    expect(officer.locator("#review-levels")).to_contain_text("两级审核")
    fill_report(officer, values)
    officer.get_by_role("button", name="提交审核", exact=True).click()
    officer.locator(f'textarea[name="explain__{EXPLAINED_CHECK}"]').fill(EXPLANATION)
    officer.get_by_role("button", name="提交审核", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("报表已提交，等待市州初审")
    expect(officer.locator("#report-status")).to_have_text("已提交")
    journey.shot(officer, "officer-submitted-desktop")

    # The city reviewer, on a phone: the city's queue, then the same review page.
    city = journey.new_page("city", **PHONE)
    log_in_with_totp(city, CITY_REVIEWER, landing=r"/city/reviews/$")
    waiting = city.locator("#city-queue tbody tr").filter(has_text=FLAGSHIP)
    expect(waiting).to_have_count(1)
    assert_fits(city)
    journey.shot(city, "city-queue-phone")
    waiting.get_by_role("link", name=FLAGSHIP).click()
    expect(city).to_have_url(re.compile(re.escape(path) + "$"))
    expect(city.locator("#row-service_expenditure")).to_contain_text(f"情况说明：{EXPLANATION}")
    expect(city.get_by_role("button", name="审核通过", exact=True)).to_have_count(0)
    city.locator("#review summary").filter(has_text="退回修改").click()
    city.locator("#comment-building_area").fill(FIELD_COMMENT)
    center(city.locator("#comment-building_area"))
    journey.shot(city, "city-return-phone", full_page=False)
    city.get_by_role("button", name="退回", exact=True).click()
    expect(city.locator(".messages")).to_contain_text("已退回信息管理员修改")
    expect(city.locator("#report-status")).to_have_text("已退回")

    # The officer sees the city's comment at the figure, corrects it and resubmits.
    officer.reload()
    expect(officer.locator("#report-status")).to_have_text("已退回")
    expect(officer.locator(".notice").filter(has_text="市州审核员对 1 项数据")).to_have_count(1)
    commented = officer.locator("#row-building_area")
    expect(commented.locator(".comment")).to_have_text(f"审核意见：{FIELD_COMMENT}")
    officer.locator("#id_building_area").fill(CORRECTED_AREA)
    center(commented)
    journey.shot(officer, "officer-fixes-desktop", full_page=False)
    officer.get_by_role("button", name="提交审核", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("等待市州初审")

    # The city reviewer sees what changed and passes it with an opinion.
    city.goto("/city/reviews/")
    city.locator("#city-queue").get_by_role("link", name=FLAGSHIP).click()
    changed = city.locator("section").filter(
        has=city.get_by_role("heading", name="与上次提交相比的变化")).get_by_role("row").filter(
        has_text="建筑面积")
    expect(changed).to_contain_text(f"→ {Decimal(CORRECTED_AREA):,.2f}")
    city.locator("#id_city_opinion").fill(CITY_OPINION)
    center(city.locator("#id_city_opinion"))
    journey.shot(city, "city-pass-phone", full_page=False)
    city.get_by_role("button", name="初审通过", exact=True).click()
    expect(city.locator(".messages")).to_contain_text("初审通过")
    expect(city.locator("#city-queue tbody tr").filter(has_text=FLAGSHIP)).to_have_count(0)

    # The province: the city's opinion at the top, the history of both levels; approves.
    add_totp_device("province_admin")
    admin = journey.new_page("admin", **DESKTOP)
    log_in_with_totp(admin)
    admin.goto(path)
    expect(admin.locator("#report-status")).to_have_text("市州已初审")
    expect(admin.locator("#city-opinion")).to_contain_text(CITY_OPINION)
    history = admin.locator("#history")
    expect(history).to_contain_text("市州退回")
    expect(history).to_contain_text("市州初审通过")
    expect(history).to_contain_text(CITY_REVIEWER)
    journey.shot(admin, "province-review-desktop")
    asked: list[str] = []  # 审核通过 asks for confirmation (issue 16)
    admin.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    admin.get_by_role("button", name="审核通过", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text("审核通过并锁定")
    assert "锁定" in asked[0], asked
    expect(admin.locator("#report-status")).to_have_text("已审核")

    # The officer's phone shows the approved, locked report.
    phone = journey.new_page("officer-phone", **PHONE)
    log_in(phone, OFFICER)
    phone.goto(path)
    expect(phone.locator("#report-status")).to_have_text("已审核")
    expect(phone.locator("#city-opinion")).to_contain_text(CITY_OPINION)
    assert_fits(phone)
    journey.shot(phone, "approved-phone")

    report = Report.objects.get(base__code=code, year=2018)
    assert report.status == Status.APPROVED
    assert str(report.value_map()["building_area"]) == CORRECTED_AREA
    assert [t.action for t in report.transitions.all()][-5:] == [
        "submit", "city_return", "submit", "city_approve", "approve"]
