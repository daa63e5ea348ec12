"""Journey 10 (issue 16): what a provincial office would stumble on, fixed: the statistics'
default year with a partly approved open round, the city viewer's page, the audit log
filtered by a Chinese event name, and the failed-submit summary. Desktop and phone."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    ADMIN,
    CITY_VIEWER,
    FLAGSHIP,
    OFFICER,
    PHONE,
    YEAR,
    assert_fits,
    expect,
    filing_values,
    log_in,
    log_in_with_totp,
    report_path,
    submit_through_services,
    totp_code,
)

pytestmark = pytest.mark.e2e


def approve_flagship() -> None:
    """One approval in the open 2018 round (1 of the demo's 102 bases)."""
    from bases.models import User
    from reporting.filing import services
    from reporting.models import Report

    submit_through_services(filing_values(), "新建孵化楼投入使用。")
    report = Report.objects.get(base__name=FLAGSHIP, year=YEAR)
    services.approve_report(report=report, actor=User.objects.get(username=ADMIN),
                            version=report.version)


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


def test_the_city_viewer_follows_their_bases_on_one_page(journey):
    approve_flagship()
    viewer = journey.new_page("city", **PHONE)
    log_in(viewer, CITY_VIEWER)

    viewer.get_by_role("link", name="报送进度").click()
    expect(viewer.get_by_role("heading", name="长沙市报送进度")).to_be_visible()
    row = viewer.locator("#city-bases tbody tr").filter(has_text=FLAGSHIP)
    expect(row).to_contain_text("已审核")
    expect(viewer.locator("#city-bases tbody tr")).not_to_have_count(0)
    expect(viewer.locator("#city-statistics")).to_contain_text("长沙市")
    assert_fits(viewer)
    journey.shot(viewer, "city-phone")

    desktop = journey.new_page("city-desktop", storage_state=viewer.context.storage_state())
    desktop.goto("/city/")
    journey.shot(desktop, "city-desktop")


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


def test_a_failed_submit_lists_what_to_fix_at_the_top(journey):
    officer = journey.new_page("officer", **PHONE)
    log_in(officer, OFFICER)
    officer.goto(report_path())
    values = filing_values()
    for code, text in values.items():
        field = officer.locator(f"#id_{code}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(text)
        else:
            field.fill(text)
    officer.locator("#id_building_area").fill("1,2,3")
    officer.get_by_role("button", name="提交审核", exact=True).click()

    summary = officer.locator("#problems")
    expect(summary).to_contain_text("有 1 项需要处理")
    expect(summary).to_contain_text("建筑面积：千位分隔符位置不正确")
    box = summary.bounding_box()
    assert box is not None and box["y"] < 1500, box  # at the top, not 6,700 px down
    journey.shot(officer, "failed-submit-phone", full_page=False)
    summary.get_by_role("link", name="建筑面积").click()
    expect(officer).to_have_url(re.compile(r"#id_building_area$"))
    expect(officer.locator("#id_building_area")).to_be_in_viewport()
