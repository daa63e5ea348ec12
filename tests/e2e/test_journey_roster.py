"""Journey: on a 375 px phone the officer opens the roster from the menu, registers an
enterprise, records its 2018 figures and sees them in the history; no page scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import OFFICER, PHONE, assert_fits, expect, log_in

pytestmark = pytest.mark.e2e

CODE = "91350100M000100Y43"  # SPEC section 10's example of a valid code


def test_officer_keeps_the_roster_on_a_phone(journey):
    phone = journey.new_page("officer", **PHONE)
    phone.goto("/accounts/login/")
    log_in(phone, OFFICER)
    phone.get_by_role("link", name="入驻企业名册").first.tap()
    expect(phone.get_by_role("heading", name="入驻企业名册")).to_be_visible()
    assert_fits(phone)
    journey.shot(phone, "list")

    phone.get_by_role("link", name="登记入驻企业").tap()
    phone.get_by_label("企业名称").fill("湘江智造科技有限公司")
    phone.get_by_label("统一社会信用代码").fill(CODE[:-1] + "0")  # wrong check character
    phone.get_by_label("入驻日期").fill("2016-03-01")
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator(".error").first).to_contain_text("校验位不正确（第18位应为 3）")
    assert_fits(phone)
    journey.shot(phone, "refused")

    phone.get_by_label("统一社会信用代码").fill(CODE.lower())
    phone.get_by_label("小微企业").check()
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator(".messages")).to_contain_text("已登记湘江智造科技有限公司")
    expect(phone.locator(".facts")).to_contain_text(CODE)
    assert_fits(phone)

    phone.get_by_role("link", name="2018年").tap()
    expect(phone).to_have_url(re.compile(r"/years/2018/$"))
    for label, value in (("就业人数（人）", "25"), ("总资产（万元）", "1200.50"),
                         ("营业收入（万元）", "800"), ("利润（万元）", "-12.34"),
                         ("税金（万元）", "30.01"), ("拥有商标（件）", "2"),
                         ("拥有软件著作权（件）", "3"), ("发明专利（件）", "1"),
                         ("实用新型专利（件）", "4"), ("外观设计专利（件）", "0")):
        phone.get_by_label(label, exact=True).fill(value)
    assert_fits(phone)
    phone.get_by_role("button", name="保存").tap()
    expect(phone.locator(".messages")).to_contain_text("2018年度数据已保存")
    expect(phone.locator("table")).to_contain_text("-12.34")
    assert_fits(phone)
    journey.shot(phone, "detail")

    phone.get_by_role("link", name="修改记录").tap()
    expect(phone.locator("table")).to_contain_text("利润（万元）：— → -12.34")
    assert_fits(phone)
    journey.shot(phone, "history")
