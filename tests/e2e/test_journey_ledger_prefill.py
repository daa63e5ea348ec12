"""Journey (issue 18): on a 390 px phone the officer records three service activities in the
ledger pages, fills the 2018 report from the ledger, declares the ledger complete, types the
other figures and submits; nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import (
    OFFICER,
    PHONE,
    assert_fits,
    expect,
    filing_values,
    fill_report,
    flagship_code,
    log_in,
    report_path,
)

pytestmark = pytest.mark.e2e

PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844}}
ACTIVITIES = (("2018-11-05", "人员培训", "跨境电商实务培训", "35"),
              ("2018-11-20", "投融资服务", "科技型企业银企对接会", "18"),
              ("2018-12-28", "创业辅导", "年终创业项目诊断", "6"))
EXPLANATION = "以本基地服务台帐和年度经营数据为准。"


def submit_explaining_findings(page) -> None:
    """Submit; whatever soft findings the figures raise (changes against last year, the
    province median) are explained and the report submitted again. None of them may be the
    ledger's: the figures are the ledger's own."""
    for _ in range(2):
        boxes = page.locator("textarea[name^=explain__]")
        for n in range(boxes.count()):
            boxes.nth(n).fill(EXPLANATION)
        page.get_by_role("button", name="提交审核", exact=True).click()
        expect(page.locator(".messages")).to_contain_text(re.compile("报表已提交|需要填写情况说明"))
        assert page.locator("textarea[name^='explain__ledger_differs']").count() == 0
        if "报表已提交" in page.locator(".messages").inner_text():
            return


def test_officer_records_activities_fills_the_form_from_the_ledger_and_submits(journey):
    from bases.models import AuditEvent, Base
    from reporting.filing.prefill import prefill_for
    from reporting.models import Report, Status

    code = flagship_code()
    base = Base.objects.get(code=code)
    before = prefill_for(base, 2018).values  # the demo's 2018 ledger (and roster)
    phone = journey.new_page("officer", **PHONE_390)
    log_in(phone, OFFICER)

    # Three activities, recorded through the ledger's pages.
    phone.get_by_role("link", name="服务台帐").first.tap()
    expect(phone.get_by_role("heading", name=re.compile("服务活动"))).to_be_visible()
    assert_fits(phone)
    for day, category, title, served in ACTIVITIES:
        phone.get_by_role("link", name="记录服务活动").tap()
        phone.get_by_label("活动日期").fill(day)
        phone.get_by_label("服务类别").select_option(label=category)
        phone.get_by_label("活动名称").fill(title)
        phone.get_by_label("服务企业家次").fill(served)
        assert_fits(phone)
        phone.get_by_role("button", name="保存", exact=True).tap()
        expect(phone.locator(".messages")).to_contain_text(f"已记录服务活动“{title}”")
        phone.get_by_role("link", name="服务活动", exact=True).tap()
    journey.shot(phone, "ledger")
    records = prefill_for(base, 2018)
    ledger = {c: v for c, v in records.values.items() if records.sources[c] == "ledger"}
    assert ledger["svc_training_sessions"] == before["svc_training_sessions"] + 1
    assert ledger["svc_financing_enterprises"] == before["svc_financing_enterprises"] + 18

    # The 2018 form shows the ledger's figure beside each figure it computes.
    phone.goto(report_path(code))
    expect(phone.locator("#report-status")).to_have_text("未开始")
    expect(phone.locator("#record-svc_training_sessions")).to_contain_text(
        f"台帐：{ledger['svc_training_sessions']}")
    assert_fits(phone)
    journey.shot(phone, "form-with-ledger", full_page=False)

    # One button fills them all, as a draft.
    phone.get_by_role("button", name="从台帐填入", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("已从台帐填入18项数据并保存为草稿")
    expect(phone.locator("#report-status")).to_have_text("草稿")
    expect(phone.locator("#id_svc_training_sessions")).to_have_value(
        str(ledger["svc_training_sessions"]))
    expect(phone.locator("#id_svc_coaching_enterprises")).to_have_value(
        str(ledger["svc_coaching_enterprises"]))
    expect(phone.locator("#id_third_party_institutions")).to_have_value(
        str(ledger["third_party_institutions"]))
    assert_fits(phone)
    journey.shot(phone, "filled", full_page=False)

    # The other figures typed in, the ledger declared complete, submitted.
    others = {c: v for c, v in filing_values().items() if c not in ledger}
    fill_report(phone, others)
    phone.get_by_label("本年度台帐完整").check()
    submit_explaining_findings(phone)
    expect(phone.locator(".messages")).to_contain_text("报表已提交")
    expect(phone.locator("#report-status")).to_have_text("已提交")
    assert_fits(phone)
    journey.shot(phone, "submitted")

    report = Report.objects.get(base=base, year=2018)
    assert report.status == Status.SUBMITTED and report.ledger_complete
    submitted = report.value_map()
    assert {c: submitted[c] for c in ledger} == ledger
    assert AuditEvent.objects.filter(event="report_prefilled", actor_username=OFFICER,
                                     object_repr=f"report:{code}/2018").exists()
