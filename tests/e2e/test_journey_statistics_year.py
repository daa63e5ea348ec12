"""Journey (issue 16): the statistics stay on the closed year and flag the open one
(desktop and phone)."""

from __future__ import annotations

import pytest

from tests.e2e.support import (
    PHONE,
    YEAR,
    approve_flagship,
    assert_fits,
    expect,
    log_in_with_totp,
)

pytestmark = pytest.mark.e2e


def test_statistics_stay_on_the_closed_year_and_flag_the_open_one(journey):
    approve_flagship()
    admin = journey.new_page("admin")
    log_in_with_totp(admin)

    admin.goto("/statistics/")
    expect(admin.get_by_label("统计年度")).to_have_value("2017")
    expect(admin.get_by_text("2017年纳入统计的基地 102 家")).to_be_visible()
    expect(admin.locator("[data-coverage]")).to_have_count(0)

    admin.get_by_label("统计年度").fill(str(YEAR))
    admin.get_by_label("对比年度").fill("")
    admin.get_by_role("button", name="查询", exact=True).click()
    banner = admin.locator("[data-coverage]")
    expect(banner).to_contain_text(f"{YEAR}年数据未完整：已审核 1/102 家")
    trends = admin.locator("#chart-trends")
    expect(trends).to_contain_text(f"未含数据未完整的{YEAR}年")
    expect(trends.locator("tbody th")).to_have_text(["2016年", "2017年"])
    journey.shot(admin, "statistics-open-year")

    phone = journey.new_page("admin-phone", **PHONE,
                             storage_state=admin.context.storage_state())
    phone.goto(f"/statistics/?year={YEAR}")
    expect(phone.locator("[data-coverage]")).to_be_visible()
    assert_fits(phone)
    journey.shot(phone, "statistics-open-year-phone", full_page=False)
