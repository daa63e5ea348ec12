"""Journey 6: on a 375 px phone the officer fills in and submits the whole form, and no page
on the way scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    EXPLAINED_CHECK,
    OFFICER,
    PHONE,
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

EXPLANATION = "新建孵化楼投入使用。"


def test_officer_files_the_whole_report_on_a_phone(journey):
    values = filing_values()
    code = flagship_code()
    phone = journey.new_page("officer", **PHONE)

    phone.goto("/accounts/login/")
    assert phone.evaluate("window.innerWidth") == 375
    assert_fits(phone)
    journey.shot(phone, "login")
    log_in(phone, OFFICER)
    assert_fits(phone)
    journey.shot(phone, "base")

    round_row(phone).get_by_role("link", name="填报").tap()
    expect(phone).to_have_url(re.compile(re.escape(report_path(code)) + "$"))
    assert_fits(phone)
    journey.shot(phone, "form")

    fill_report(phone, values)
    assert_fits(phone)
    phone.get_by_role("button", name="提交审核", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("需要填写情况说明")
    assert_fits(phone)
    explain = phone.locator(f'textarea[name="explain__{EXPLAINED_CHECK}"]')
    center(explain)
    journey.shot(phone, "explain", full_page=False)
    explain.fill(EXPLANATION)
    phone.get_by_role("button", name="提交审核", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("报表已提交")
    expect(phone.locator("#report-status")).to_have_text("已提交")
    assert_fits(phone)
    journey.shot(phone, "submitted")
