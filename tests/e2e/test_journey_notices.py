"""Journey 9: the province returns the officer's report; on a phone the officer sees the
unread count in the header, opens the message centre, follows the notice to the report, and
sets an e-mail address for notices; no page scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    ADMIN,
    OFFICER,
    PHONE,
    assert_fits,
    expect,
    filing_values,
    log_in,
    report_path,
    submit_through_services,
)

pytestmark = pytest.mark.e2e


def return_through_services(comment: str) -> None:
    from bases.models import User
    from reporting.filing import services
    from reporting.models import Report

    report = Report.objects.get(base__officers__username=OFFICER, year=2018)
    services.return_report(report=report, actor=User.objects.get(username=ADMIN),
                           version=report.version, comment=comment)


def test_officer_follows_a_notice_from_the_header_to_the_report_on_a_phone(journey):
    submit_through_services(filing_values(), "新建孵化楼投入使用。")
    return_through_services("请核实建筑面积。")
    phone = journey.new_page("officer", **PHONE)
    log_in(phone, OFFICER)

    messages_link = phone.locator(".user-box").get_by_role("link", name=re.compile("^消息"))
    expect(messages_link.locator(".badge")).to_have_text("1")
    messages_link.tap()
    expect(phone.get_by_role("heading", name="站内消息")).to_be_visible()
    assert_fits(phone)
    journey.shot(phone, "messages")

    phone.get_by_role("link", name="2018年度报表被退回，请修改后重新提交").tap()
    expect(phone).to_have_url(re.compile(re.escape(report_path()) + "$"))
    expect(phone.locator(".user-box .badge")).to_have_count(0)

    phone.locator(".user-box").get_by_role("link", name="消息").tap()
    expect(phone.get_by_role("heading", name="站内消息")).to_be_visible()
    phone.get_by_role("link", name="通知设置").tap()
    expect(phone.get_by_role("heading", name="通知设置")).to_be_visible()
    assert_fits(phone)
    journey.shot(phone, "settings")
    phone.get_by_label("电子邮箱").fill("officer@example.cn")
    phone.get_by_role("button", name="保存", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("通知设置已保存")
    assert_fits(phone)
