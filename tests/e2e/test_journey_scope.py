"""Journey 4: a city viewer reads their own city's bases, edits nothing, and another city's
base is a 404 ("页面不存在") whichever address they type."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import CITY_VIEWER, FLAGSHIP, expect, flagship_code, log_in, round_row

pytestmark = pytest.mark.e2e

#: Anything to type into or press in the page body (the header keeps its logout button).
EDIT_CONTROLS = ("main form", "main input", "main select", "main textarea", "main button",
                 "#review")


def test_city_viewer_sees_only_their_city_and_no_edit_controls(journey):
    from bases.models import Base

    changsha = sorted(Base.objects.filter(city__name="长沙市").values_list("code", flat=True))
    elsewhere = Base.objects.exclude(city__name="长沙市").order_by("code").first()
    code = flagship_code()
    viewer = journey.new_page("viewer")

    log_in(viewer, CITY_VIEWER)
    expect(viewer).to_have_url(re.compile(r"/bases/$"))
    expect(viewer.get_by_role("heading", name="长沙市的基地")).to_be_visible()
    expect(viewer.get_by_text(f"共 {len(changsha)} 个基地")).to_be_visible()
    rows = viewer.locator("table tbody tr")
    expect(rows).to_have_count(len(changsha))
    assert sorted(rows.locator("td:nth-child(1)").all_inner_texts()) == changsha
    assert set(rows.locator("td:nth-child(3)").all_inner_texts()) == {"长沙市"}
    expect(viewer.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_text(
        ["报送进度", "本市州基地", "服务台帐", "统计"])
    journey.shot(viewer, "city-bases")

    # A base of their city: read-only everywhere.
    viewer.get_by_role("link", name=FLAGSHIP, exact=True).click()
    expect(viewer).to_have_url(re.compile(rf"/bases/{code}/$"))
    expect(viewer.get_by_role("link", name="填报")).to_have_count(0)
    expect(viewer.get_by_text("指定/交接信息管理员")).to_have_count(0)
    expect(viewer.get_by_text("申请交接")).to_have_count(0)
    journey.shot(viewer, "base-detail")

    round_row(viewer, 2017).get_by_role("link", name="查看").click()
    expect(viewer).to_have_url(re.compile(rf"/bases/{code}/reports/2017/$"))
    expect(viewer.locator("#report-status")).to_have_text("已审核")
    expect(viewer.locator("#row-building_area .value")).to_have_text("760,000.00")
    for selector in EDIT_CONTROLS:
        expect(viewer.locator(selector)).to_have_count(0)
    journey.shot(viewer, "report-2017")

    viewer.goto(f"/bases/{code}/reports/2018/")  # the open round: still nothing to edit
    expect(viewer.locator("#report-status")).to_have_text("未开始")
    for selector in EDIT_CONTROLS:
        expect(viewer.locator(selector)).to_have_count(0)

    # Another city's base, typed in: the portal's own 404 page, never the data.
    for path in (f"/bases/{elsewhere.code}/", f"/bases/{elsewhere.code}/reports/2017/",
                 f"/bases/{elsewhere.code}/reports/2017/workbook.xlsx"):
        response = viewer.goto(path)
        assert response is not None and response.status == 404, path
        expect(viewer).to_have_title(re.compile(r"^页面不存在"))
        expect(viewer.get_by_role("heading", name="页面不存在")).to_be_visible()
        expect(viewer.get_by_text(elsewhere.name)).to_have_count(0)
    journey.shot(viewer, "other-city-404")
