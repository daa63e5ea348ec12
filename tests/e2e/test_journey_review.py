"""Journey 2: in a one-level round, the province admin (password + TOTP) returns the report
with a comment on one figure; the officer corrects it and resubmits; the admin sees the change
and approves."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.e2e.support import (
    ADMIN,
    EXPLAINED_CHECK,
    FLAGSHIP,
    OFFICER,
    add_totp_device,
    center,
    expect,
    filing_values,
    flagship_code,
    log_in,
    log_in_with_totp,
    report_path,
    round_row,
    set_review_levels,
    submit_through_services,
)

pytestmark = pytest.mark.e2e

EXPLANATION = "新建孵化楼投入使用，物业和服务性支出增加。"
REVIEW_COMMENT = "请核实建筑面积后重新提交。"
FIELD_COMMENT = "与不动产权证面积不一致，请核实。"
CORRECTED_AREA = "750000.00"


def shown(area: str) -> str:
    """An area as the page shows figures: thousands separators, two decimals."""
    return f"{Decimal(area):,.2f}"


def test_admin_returns_with_a_field_comment_then_approves_the_correction(journey):
    from reporting.models import Report, Status

    set_review_levels(1)  # the province reviews alone (two-level: test_journey_city_review)
    values = filing_values()
    submit_through_services(values, EXPLANATION)
    add_totp_device(ADMIN)
    code = flagship_code()
    path = report_path(code)

    # The admin: password, then the code from the authenticator. One browser all along,
    # so one TOTP code (a code works once per 30-second step).
    admin = journey.new_page("admin")
    log_in_with_totp(admin)
    expect(admin.get_by_role("heading", name="全省概况")).to_be_visible()
    admin.get_by_role("navigation", name="主导航").get_by_role("link", name="审核",
                                                            exact=True).click()
    expect(admin).to_have_url(re.compile(r"/reports/$"))
    queued = admin.get_by_role("row").filter(has_text=FLAGSHIP)
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("已提交")
    journey.shot(admin, "queue")

    queued.get_by_role("link", name=FLAGSHIP).click()
    expect(admin).to_have_url(re.compile(re.escape(path) + "$"))
    expect(admin.locator("#report-status")).to_have_text("已提交")
    explained = admin.locator("#row-service_expenditure")
    expect(explained).to_contain_text("超过±50%")
    expect(explained).to_contain_text(f"情况说明：{EXPLANATION}")
    center(explained)
    journey.shot(admin, "explanation", full_page=False)

    admin.locator("#review summary").filter(has_text="退回修改").click()
    admin.locator("#id_comment").fill(REVIEW_COMMENT)
    admin.locator("#comment-building_area").fill(FIELD_COMMENT)
    center(admin.locator("#comment-building_area"))
    journey.shot(admin, "return-form", full_page=False)
    admin.get_by_role("button", name="退回", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text("已退回信息管理员修改")
    expect(admin.locator("#report-status")).to_have_text("已退回")

    # The officer sees the comment at the figure, corrects it and resubmits.
    officer = journey.new_page("officer")
    log_in(officer, OFFICER)
    round_row(officer).get_by_role("link", name="填报").click()
    expect(officer).to_have_url(re.compile(re.escape(path) + "$"))
    expect(officer.locator("#report-status")).to_have_text("已退回")
    expect(officer.locator(".notice").first).to_contain_text(REVIEW_COMMENT)
    commented = officer.locator("#row-building_area")
    expect(commented.locator(".comment")).to_have_text(f"审核意见：{FIELD_COMMENT}")
    expect(officer.locator(".comment")).to_have_count(1)
    center(commented)
    journey.shot(officer, "field-comment", full_page=False)

    officer.locator("#id_building_area").fill(CORRECTED_AREA)
    explain = officer.locator(f'textarea[name="explain__{EXPLAINED_CHECK}"]')
    expect(explain).to_have_value(EXPLANATION)  # kept from the first submission
    officer.get_by_role("button", name="提交审核", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("报表已提交")
    expect(officer.locator("#report-status")).to_have_text("已提交")

    # The admin sees what changed since the last submission, and approves.
    admin.reload()
    expect(admin.locator("#report-status")).to_have_text("已提交")
    changes = admin.locator("section").filter(
        has=admin.get_by_role("heading", name="与上次提交相比的变化"))
    changed = changes.get_by_role("row").filter(has_text="建筑面积")
    expect(changed).to_have_count(1)
    expect(changed.locator("td")).to_have_text(
        ["建筑面积（平方米）", shown(values["building_area"]), f"→ {shown(CORRECTED_AREA)}"])
    expect(changes.locator("tbody tr")).to_have_count(1)
    journey.shot(admin, "changes")
    # Approving asks first, saying what will happen (issue 16.14).
    asked: list[str] = []
    admin.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    admin.get_by_role("button", name="审核通过", exact=True).click()
    expect(admin.locator(".messages")).to_contain_text("审核通过并锁定")
    assert asked and "锁定" in asked[0] and "不能再修改" in asked[0], asked
    expect(admin.locator("#report-status")).to_have_text("已审核")

    # The officer can no longer edit.
    officer.reload()
    expect(officer.locator("#report-status")).to_have_text("已审核")
    expect(officer.locator("#report-form")).to_have_count(0)
    expect(officer.locator("input[name=building_area]")).to_have_count(0)
    expect(officer.locator("button[name=action]")).to_have_count(0)
    expect(officer.locator("input[type=file]")).to_have_count(0)
    expect(officer.locator("#row-building_area .value")).to_have_text("750,000.00")
    journey.shot(officer, "approved")
    officer.get_by_role("link", name="本基地").click()
    expect(round_row(officer)).to_contain_text("查看")
    expect(officer.get_by_role("link", name="填报")).to_have_count(0)

    report = Report.objects.get(base__code=code, year=2018)
    assert report.status == Status.APPROVED
    assert str(report.value_map()["building_area"]) == CORRECTED_AREA
