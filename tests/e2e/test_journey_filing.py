"""Journey 1: the officer changes the initial password, then files the 2018 report."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    DEMO_PASSWORD,
    EXPLAINED_CHECK,
    OFFICER,
    assert_fits,
    center,
    expect,
    filing_values,
    fill_report,
    flagship_code,
    log_in,
    report_path,
    round_row,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Jiangxi-Road-88"
EXPLANATION = "2018年新建孵化楼投入使用，物业和服务性支出随之增加。"
PARTIAL = ("building_area", "standard_factory_area", "service_staff", "has_service_platform",
           "svc_info_sessions", "svc_info_enterprises")


def test_officer_changes_password_saves_a_draft_fixes_errors_and_submits(journey):
    from bases.models import User
    from reporting.models import Report, Status

    User.objects.filter(username=OFFICER).update(must_change_password=True)
    values = filing_values()
    code = flagship_code()
    page = journey.new_page("officer")

    # First login: the portal insists on a new password before anything else.
    log_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator(".notice")).to_contain_text("请先设置新密码")
    journey.shot(page, "password-change")
    page.locator("#id_old_password").fill(DEMO_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("密码已修改")
    expect(page).to_have_url(re.compile(rf"/bases/{code}/$"))
    journey.shot(page, "base-home")

    # The open round, from the base's page.
    round_row(page).get_by_role("link", name="填报").click()
    expect(page).to_have_url(re.compile(re.escape(report_path(code)) + "$"))
    expect(page.locator("#report-status")).to_have_text("未开始")
    assert_fits(page)  # desktop width: no sideways scrolling either

    # Part of the figures, saved as a draft, are still there after a reload.
    fill_report(page, {c: values[c] for c in PARTIAL})
    page.get_by_role("button", name="保存草稿", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("草稿已保存")
    page.reload()
    expect(page.locator("#report-status")).to_have_text("草稿")
    for c in PARTIAL:
        expect(page.locator(f"#id_{c}")).to_have_value(values[c])
    expect(page.locator("#id_employees")).to_have_value("")
    journey.shot(page, "draft-saved")

    # The rest, with a factory area above the building area: refused at that figure.
    fill_report(page, {**values, "standard_factory_area": "800000.00"})
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("存在未通过的校验")
    row = page.locator("#row-standard_factory_area")
    expect(row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(row.locator(".error")).to_contain_text("标准厂房面积：不能大于“建筑面积”")
    expect(page.locator(".has-error")).to_have_count(1)
    expect(page.locator("#report-status")).to_have_text("草稿")
    center(row)
    journey.shot(page, "hard-error", full_page=False)

    # Fixed; the submission now stops at the soft finding and asks for an explanation.
    page.locator("#id_standard_factory_area").fill(values["standard_factory_area"])
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("需要填写情况说明")
    expect(page.locator(".has-error")).to_have_count(0)
    finding = page.locator("#row-service_expenditure")
    expect(finding).to_contain_text("超过±50%")
    explain = finding.locator(f'textarea[name="explain__{EXPLAINED_CHECK}"]')
    expect(explain).to_be_visible()
    expect(page.locator("textarea[name^=explain__]")).to_have_count(1)
    center(finding)
    journey.shot(page, "soft-finding", full_page=False)

    explain.fill(EXPLANATION)
    page.get_by_role("button", name="提交审核", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("报表已提交")
    expect(page.locator("#report-status")).to_have_text("已提交")
    expect(page.locator("#report-form")).to_have_count(0)
    expect(page.locator("#row-service_expenditure")).to_contain_text(f"情况说明：{EXPLANATION}")
    journey.shot(page, "submitted")

    report = Report.objects.get(base__code=code, year=2018)
    assert report.status == Status.SUBMITTED
    assert report.explanations == {EXPLAINED_CHECK: EXPLANATION}
    assert str(report.value_map()["standard_factory_area"]) == values["standard_factory_area"]
