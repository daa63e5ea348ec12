"""Journey (issue 19, the pre-fill part): the officer registers one more enterprise with its
2018 figures through the roster pages (the demo's roster holds the others; the roster
workbook upload is not part of this branch), fills the 2018 report's enterprise figures
from the roster, declares the roster complete and submits."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    OFFICER,
    assert_fits,
    expect,
    filing_values,
    fill_report,
    flagship_code,
    log_in,
    report_path,
)
from tests.e2e.test_journey_ledger_prefill import submit_explaining_findings

pytestmark = pytest.mark.e2e

CODE = "91350100M000100Y43"  # SPEC section 10's example of a valid code
FIGURES = (("就业人数（人）", "31"), ("总资产（万元）", "2100.35"), ("营业收入（万元）", "960"),
           ("利润（万元）", "-8.20"), ("税金（万元）", "41.07"), ("拥有商标（件）", "1"),
           ("拥有软件著作权（件）", "5"), ("发明专利（件）", "2"), ("实用新型专利（件）", "3"),
           ("外观设计专利（件）", "0"))


def test_officer_fills_the_enterprise_figures_from_the_roster_and_submits(journey):
    from decimal import Decimal

    from bases.models import Base
    from reporting.filing.forms import as_form_text
    from reporting.filing.prefill import prefill_for
    from reporting.models import Report, Status

    code = flagship_code()
    base = Base.objects.get(code=code)
    demo = prefill_for(base, 2018).values  # the demo roster's 2018 figures
    page = journey.new_page("officer")
    log_in(page, OFFICER)

    # One more resident enterprise and its 2018 figures, through the roster's pages.
    page.get_by_role("link", name="入驻企业名册").first.click()
    page.get_by_role("link", name="登记入驻企业").click()
    page.get_by_label("企业名称").fill("湘江智造科技有限公司")
    page.get_by_label("统一社会信用代码").fill(CODE)
    page.get_by_label("入驻日期").fill("2018-04-02")
    page.get_by_label("小微企业").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已登记湘江智造科技有限公司")
    page.get_by_role("link", name="2018年").click()
    expect(page).to_have_url(re.compile(r"/years/2018/$"))
    for label, value in FIGURES:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("2018年度数据已保存")

    records = prefill_for(base, 2018)
    roster = {c: v for c, v in records.values.items() if records.sources[c] == "roster"}
    assert roster["resident_enterprises"] == demo["resident_enterprises"] + 1
    assert roster["ent_total_assets"] == demo["ent_total_assets"] + Decimal("2100.35")
    assert roster["ent_profit"] == demo["ent_profit"] - Decimal("8.20")

    # The form shows the roster's figures; one button fills them.
    page.goto(report_path(code))
    expect(page.locator("#record-employees")).to_contain_text(f"名册：{roster['employees']:,}")
    page.get_by_role("button", name="从名册填入", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已从名册填入14项数据并保存为草稿")
    for figure in ("resident_enterprises", "employees", "ent_total_assets", "ent_profit",
                   "design_patents"):
        expect(page.locator(f"#id_{figure}")).to_have_value(as_form_text(roster[figure]))
    # Derived as everywhere: 拥有专利 is the three kinds added up.
    expect(page.locator("#row-patents .value")).to_have_text(f"{roster['patents']:,}")
    assert_fits(page)
    journey.shot(page, "filled-from-roster", full_page=False)

    # The rest typed in, the roster declared complete, submitted.
    fill_report(page, {c: v for c, v in filing_values().items() if c not in roster})
    page.get_by_label("本年度名册完整").check()
    submit_explaining_findings(page)
    expect(page.locator(".messages")).to_contain_text("报表已提交")
    journey.shot(page, "submitted")

    report = Report.objects.get(base=base, year=2018)
    assert report.status == Status.SUBMITTED and report.roster_complete
    submitted = report.value_map()
    assert {c: submitted[c] for c in roster if c != "patents"} == {
        c: v for c, v in roster.items() if c != "patents"}
