"""Journey 7: the admin exports a year as a background job: the job page shows it queued,
follows it to the end without a reload (the polling script, under the CSP), and offers the
workbook, which is also listed on the import and export page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import ADMIN, add_totp_device, assert_fits, expect, log_in_with_totp

pytestmark = pytest.mark.e2e


def test_admin_follows_a_background_export_to_its_download(journey, settings, tmp_path):
    from openpyxl import load_workbook

    from reporting.models import ExportJob, Report, Status
    from reporting.workbook.exports import run_export_job

    settings.EXPORT_INLINE_MAX_REPORTS = 0  # every export becomes a job
    settings.EXPORT_JOB_RUNNER = "worker"  # nothing starts it: the journey runs it below
    settings.EXPORT_DIR = str(tmp_path)
    approved = Report.objects.filter(year=2017, status=Status.APPROVED).count()

    add_totp_device(ADMIN)
    admin = journey.new_page("admin")
    log_in_with_totp(admin)
    admin.goto("/data/import/")
    form = admin.locator("#export-form")
    form.get_by_label("年度").fill("2017")
    form.get_by_role("button", name="导出", exact=True).click()

    expect(admin).to_have_url(re.compile(r"/data/export/jobs/[0-9a-f-]{36}/$"))
    expect(admin.locator("#export-state")).to_have_text("排队中")
    expect(admin.get_by_role("link", name="下载工作簿")).to_be_hidden()
    journey.shot(admin, "queued")

    # The worker (`manage.py run_export_jobs`) picks the job up; the open page notices.
    run_export_job(job_id=ExportJob.objects.get().pk)
    expect(admin.locator("#export-state")).to_have_text("已完成", timeout=15_000)
    expect(admin.locator("#export-count")).to_have_text(
        f"已导出 {approved} / {approved} 份报表")
    expect(admin.locator("#export-progress")).to_have_attribute("value", str(approved))
    journey.shot(admin, "done")

    with admin.expect_download() as download_info:
        admin.get_by_role("link", name="下载工作簿").click()
    download = download_info.value
    assert download.suggested_filename == "data-2017-approved.xlsx"
    saved = journey.artifact(download.suggested_filename)
    download.save_as(saved)
    reports = load_workbook(saved, read_only=True)["reports"]
    assert reports.max_row == 2 + approved  # two header rows: labels, codes

    admin.goto("/data/import/")
    listed = admin.locator("#export-jobs tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("已完成")
    expect(listed.first.get_by_role("link", name="下载")).to_be_visible()

    # On a phone both pages fit the screen (the list scrolls inside its own box).
    admin.set_viewport_size({"width": 375, "height": 812})
    assert_fits(admin)
    listed.first.get_by_role("link", name="查看").click()
    expect(admin.locator("#export-state")).to_have_text("已完成")
    assert_fits(admin)
    journey.shot(admin, "phone")
