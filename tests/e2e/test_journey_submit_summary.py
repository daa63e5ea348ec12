"""Journey (issue 16): a failed submit lists what to fix at the top
(desktop and phone)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    OFFICER,
    PHONE,
    expect,
    filing_values,
    log_in,
    report_path,
)

pytestmark = pytest.mark.e2e


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
