"""Journey (issue 16): the audit admin filters the log by a Chinese event name
(desktop and phone)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    OFFICER,
    PHONE,
    assert_fits,
    expect,
    log_in,
    totp_code,
)

pytestmark = pytest.mark.e2e


def test_the_audit_admin_filters_the_log_by_a_chinese_event_name(journey):
    stranger = journey.new_page("stranger")
    stranger.goto("/accounts/login/")
    stranger.get_by_label("用户名", exact=True).fill(OFFICER)
    stranger.get_by_label("密码", exact=True).fill("not-the-password")
    stranger.get_by_role("button", name="登录", exact=True).click()
    expect(stranger.locator(".error, .errorlist").first).to_be_visible()

    auditor = journey.new_page("auditor")
    log_in(auditor, "audit_admin")
    auditor.get_by_label("动态验证码").fill(totp_code("audit_admin"))
    auditor.get_by_role("button", name="验证", exact=True).click()
    auditor.goto("/audit/")
    auditor.get_by_label("事件").select_option(label="登录失败")
    auditor.get_by_role("button", name="筛选", exact=True).click()
    expect(auditor).to_have_url(re.compile(r"event=login_failed"))
    rows = auditor.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(3)).to_have_text("登录失败")
    expect(rows.first.locator("td").nth(5)).to_have_text("失败")
    journey.shot(auditor, "audit-login-failed")

    phone = journey.new_page("auditor-phone", **PHONE,
                             storage_state=auditor.context.storage_state())
    phone.goto("/audit/?event=login_failed")
    assert_fits(phone)
    journey.shot(phone, "audit-login-failed-phone")
