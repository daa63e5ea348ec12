"""Journey (issue 16): the city viewer follows their bases on one page
(desktop and phone)."""

from __future__ import annotations

import pytest

from tests.e2e.support import (
    CITY_VIEWER,
    FLAGSHIP,
    PHONE,
    approve_flagship,
    assert_fits,
    expect,
    log_in,
)

pytestmark = pytest.mark.e2e


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
