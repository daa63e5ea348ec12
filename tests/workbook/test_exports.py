"""Province data-workbook exports that run outside the request, with progress.

Pages are requested through the test client against the real database; the Celery task
runs eagerly (no broker in the tests: the same task body a worker runs) when the request's
transaction commits, and the files are read back with openpyxl. Only forced failures are
patched; tests/workbook/test_export_worker.py runs a real worker against Redis.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import stat
import tempfile
from pathlib import Path
from unittest import mock

from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from bases.models import AuditEvent, Role
from reporting.filing import services
from reporting.models import ExportJob, Report, Status
from reporting.workbook import exports, tasks
from reporting.workbook.data import read_data_workbook, write_data_workbook
from tests.base import BaseTestCase
from tests.workbook.helpers import full_values


def jobs() -> override_settings:
    """Every export becomes a job (its task runs when the request's work commits)."""
    return override_settings(EXPORT_INLINE_MAX_REPORTS=0)


def cells(content: bytes) -> dict[str, list[tuple]]:
    """Every cell of every sheet, as openpyxl reads them back."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    finally:
        book.close()


def body(response) -> bytes:
    """A FileResponse's bytes; the test client closes the file once they are read."""
    return b"".join(response.streaming_content)


class ExportJobTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.export_dir = Path(tempfile.mkdtemp(prefix="exports-test-")) / "exports"
        self.addCleanup(shutil.rmtree, self.export_dir.parent, ignore_errors=True)
        folder = override_settings(EXPORT_DIR=str(self.export_dir))
        folder.enable()
        self.addCleanup(folder.disable)
        for base in (self.base_a, self.base_b):
            report = Report.objects.create(base=base, year=2017, status=Status.APPROVED)
            services.write_values(report, full_values())
        Report.objects.create(base=self.base_a, year=2016, status=Status.DRAFT)
        self.login(self.pat)

    def request_job(self, url: str = "/data/export/?year=2017") -> ExportJob:
        """Ask for an export that becomes a job, and let it run as the commit would start it."""
        with jobs(), self.captureOnCommitCallbacks(execute=True):
            response = self.client.get(url)
        job = ExportJob.objects.latest("created_at")
        self.assertRedirects(response, f"/data/export/jobs/{job.pk}/",
                             fetch_redirect_response=False)
        job.refresh_from_db()
        return job

    def status(self, job: ExportJob) -> dict:
        response = self.client.get(f"/data/export/jobs/{job.pk}/status/")
        self.assertEqual(response.status_code, 200)
        return response.json()


class DirectExportTests(ExportJobTestCase):
    def test_small_export_still_downloads_directly_without_a_job(self):
        response = self.client.get("/data/export/?year=2017")
        self.assertEqual(response.status_code, 200)
        self.assertIn('filename="data-2017-approved.xlsx"', response["Content-Disposition"])
        self.assertEqual(len(cells(response.getvalue())["reports"]), 4)  # 2 header rows
        self.assertFalse(ExportJob.objects.exists())


class JobExportTests(ExportJobTestCase):
    def test_large_export_redirects_to_a_job_whose_download_equals_the_direct_export(self):
        direct = self.client.get("/data/export/?year=2017").getvalue()
        with jobs(), self.captureOnCommitCallbacks(execute=True) as callbacks:
            response = self.client.get("/data/export/?year=2017")
            job = ExportJob.objects.get()
            self.assertRedirects(response, f"/data/export/jobs/{job.pk}/",
                                 fetch_redirect_response=False)
            # Before the commit runs it, the job waits in the queue.
            self.assertEqual(self.status(job)["state"], "queued")
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(self.status(job), {
            "state": "done", "state_label": "已完成", "rows_done": 2, "rows_total": 2,
            "unit": "份报表", "download_url": f"/data/export/jobs/{job.pk}/download/", "error": ""})

        page = self.client.get(f"/data/export/jobs/{job.pk}/")
        self.assertContains(page, "已导出 2 / 2 份报表")
        self.assertContains(page, '<progress id="export-progress" class="export-progress" '
                                  'max="2" value="2">')
        self.assertContains(page, "已完成")
        self.assertContains(page, f'href="/data/export/jobs/{job.pk}/download/"')

        download = self.client.get(f"/data/export/jobs/{job.pk}/download/")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn('filename="data-2017-approved.xlsx"', download["Content-Disposition"])
        content = body(download)
        self.assertEqual(cells(content), cells(direct))
        path = self.export_dir / "download.xlsx"
        path.write_bytes(content)
        book = read_data_workbook(path)
        self.assertEqual(book.errors, [])
        self.assertEqual([row.values for row in book.reports], [full_values()] * 2)

    def test_status_all_exports_drafts_too(self):
        job = self.request_job("/data/export/?year=2016&status=all")
        self.assertEqual((job.state, job.rows_total), (ExportJob.State.DONE, 1))
        download = self.client.get(f"/data/export/jobs/{job.pk}/download/")
        self.assertIn('filename="data-2016-all.xlsx"', download["Content-Disposition"])
        self.assertEqual(cells(body(download))["reports"][2][:2], ("A001", 2016))

    def test_progress_is_stored_after_every_chunk(self):
        job = ExportJob.objects.create(requested_by=self.pat, year=2017, scope="approved")
        seen: list[tuple[int, int, str]] = []

        def spy(target, **kwargs):
            report = kwargs.pop("progress")

            def progress(done: int, total: int) -> None:
                report(done, total)
                row = ExportJob.objects.get(pk=job.pk)
                seen.append((row.rows_done, row.rows_total, row.state))

            return write_data_workbook(target, progress=progress, **kwargs)

        with mock.patch("reporting.workbook.data.CHUNK", 1), \
                mock.patch.object(exports, "write_data_workbook", side_effect=spy):
            exports.run_export_job(job_id=job.pk)
        self.assertEqual(seen, [(0, 2, "running"), (1, 2, "running"), (2, 2, "running")])
        job.refresh_from_db()
        self.assertEqual((job.state, job.rows_done, job.rows_total), ("done", 2, 2))
        self.assertIsNotNone(job.started_at)
        self.assertGreaterEqual(job.finished_at, job.started_at)

    def test_running_job_status_shows_its_counts_and_an_unfinished_page(self):
        job = ExportJob.objects.create(requested_by=self.pat, year=2017, scope="approved",
                                       state=ExportJob.State.RUNNING, rows_done=500,
                                       rows_total=3000)
        self.assertEqual(self.status(job), {
            "state": "running", "state_label": "正在导出", "rows_done": 500,
            "rows_total": 3000, "unit": "份报表", "download_url": None, "error": ""})
        page = self.client.get(f"/data/export/jobs/{job.pk}/")
        self.assertContains(page, "已导出 500 / 3000 份报表")
        self.assertContains(page, 'max="3000" value="500"')
        self.assertContains(page, '<noscript><meta http-equiv="refresh" content="3"></noscript>')
        self.assertContains(page, 'src="/static/js/export_job.js"')
        self.assertNotContains(page, "<script>")  # CSP: script-src 'self', no inline script
        self.assertEqual(page["Cache-Control"].split(",")[0], "max-age=0")
        download = self.client.get(f"/data/export/jobs/{job.pk}/download/", follow=True)
        self.assertContains(download, "导出尚未完成，请稍候。")

    def test_file_and_folder_are_private_to_the_portal(self):
        job = self.request_job()
        self.assertEqual(stat.S_IMODE(self.export_dir.stat().st_mode), 0o700)
        self.assertEqual(stat.S_IMODE((self.export_dir / job.file_name).stat().st_mode), 0o600)
        self.assertEqual(sorted(p.name for p in self.export_dir.iterdir()), [job.file_name])

    def test_asking_again_while_one_is_unfinished_returns_that_job(self):
        job = ExportJob.objects.create(requested_by=self.pat, year=2017, scope="approved")
        with jobs():
            response = self.client.get("/data/export/?year=2017")
            self.assertRedirects(response, f"/data/export/jobs/{job.pk}/",
                                 fetch_redirect_response=False)
            response = self.client.get("/data/export/?year=2016&status=all", follow=True)
        self.assertContains(response, "您申请的 2017 年度导出尚未完成")
        self.assertEqual(ExportJob.objects.count(), 1)

    def test_audit_event_is_written_once_for_the_requesting_admin(self):
        job = self.request_job()
        self.status(job)
        self.client.get(f"/data/export/jobs/{job.pk}/")
        body(self.client.get(f"/data/export/jobs/{job.pk}/download/"))
        exports.run_export_job(job_id=job.pk)  # a second delivery finds nothing to do
        event = AuditEvent.objects.get(event="export_workbook")
        self.assertEqual((event.actor, event.object_repr, event.detail, event.outcome),
                         (self.pat, "data:2017", "范围：approved；报表 2 份", "success"))

    def test_import_page_lists_the_admins_last_ten_exports(self):
        done = self.request_job()
        for year in range(2005, 2015):
            ExportJob.objects.create(requested_by=self.pat, year=year, scope="all",
                                     state=ExportJob.State.FAILED,
                                     created_at=done.created_at - dt.timedelta(days=1))
        other = self.make_user("pat2", Role.PROVINCE)
        others = ExportJob.objects.create(requested_by=other, year=2001, scope="all")
        page = self.client.get("/data/import/")
        self.assertContains(page, "最近的导出")
        self.assertContains(page, f'href="/data/export/jobs/{done.pk}/download/"')
        self.assertContains(page, 'href="/data/export/jobs/', count=11)  # 10 views, 1 download
        self.assertNotContains(page, str(others.pk))


class TaskTests(ExportJobTestCase):
    def test_the_task_is_enqueued_after_the_commit_with_the_jobs_id(self):
        with jobs(), mock.patch.object(tasks.run_export, "apply_async") as enqueue, \
                self.captureOnCommitCallbacks(execute=True):
            self.client.get("/data/export/?year=2017")
            enqueue.assert_not_called()  # not before the row is committed
        job = ExportJob.objects.get()
        enqueue.assert_called_once_with((str(job.pk),), task_id=str(job.pk))
        self.assertEqual(self.status(job)["state"], ExportJob.State.QUEUED)

    def test_a_killed_workers_export_is_redone_when_the_task_comes_back(self):
        job = ExportJob.objects.create(requested_by=self.pat, year=2017, scope="approved",
                                       state=ExportJob.State.RUNNING, rows_done=1,
                                       rows_total=2)
        (self.export_dir / f"{job.pk}.dead.part").parent.mkdir(parents=True, exist_ok=True)
        (self.export_dir / f"{job.pk}.dead.part").write_bytes(b"half")  # the dead attempt's
        tasks.run_export.delay(str(job.pk))  # redelivered (acks_late, reject_on_worker_lost)
        job.refresh_from_db()
        self.assertEqual((job.state, job.rows_done, job.rows_total), ("done", 2, 2))
        self.assertEqual(len(read_data_workbook(self.export_dir / job.file_name).reports), 2)
        options = tasks.run_export
        self.assertTrue(options.acks_late and options.reject_on_worker_lost)

    def test_a_transient_database_error_is_retried_by_the_task(self):
        calls = []

        def flaky(target, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return write_data_workbook(target, **kwargs)

        with mock.patch.object(exports, "write_data_workbook", side_effect=flaky), \
                self.assertLogs("reporting.workbook.tasks", "WARNING") as logs:
            job = self.request_job()
        self.assertEqual((len(calls), job.state, job.rows_done), (2, "done", 2))
        self.assertIn("retrying", "\n".join(logs.output))
        self.assertEqual(sorted(p.suffix for p in self.export_dir.iterdir()), [".xlsx"])

    def test_a_lasting_database_error_fails_the_job_after_three_retries(self):
        with mock.patch.object(exports, "write_data_workbook",
                               side_effect=OperationalError("down")) as write, \
                self.assertLogs("reporting.workbook.tasks", "ERROR") as logs:
            job = self.request_job()
        self.assertEqual((write.call_count, job.state), (4, "failed"))
        self.assertIn("after 3 retries", "\n".join(logs.output))
        self.assertEqual(self.status(job)["error"], exports.FAILED_MESSAGE)

    def test_a_finished_job_delivered_twice_is_not_written_again(self):
        job = self.request_job()
        finished = job.finished_at
        self.assertEqual(tasks.run_export.delay(str(job.pk)).get(), "done")
        job.refresh_from_db()
        self.assertEqual(job.finished_at, finished)
        self.assertEqual(AuditEvent.objects.filter(event="export_workbook").count(), 1)


class AccessTests(ExportJobTestCase):
    def test_only_the_requesting_province_admin_sees_the_job_charlie_gets_404(self):
        job = self.request_job()
        pat2 = self.make_user("pat2", Role.PROVINCE)
        urls = [f"/data/export/jobs/{job.pk}/", f"/data/export/jobs/{job.pk}/status/",
                f"/data/export/jobs/{job.pk}/download/"]
        for user in (pat2, self.alice, self.carol, self.charlie, self.sam, self.audrey):
            self.login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)
        denied = AuditEvent.objects.filter(event="scope_denied", actor=pat2)
        self.assertEqual(denied.count(), 3)
        self.assertEqual(denied.first().object_repr, f"export-job:{job.pk}")

    def test_unknown_or_malformed_job_ids_are_404(self):
        self.assertEqual(self.client.get(
            "/data/export/jobs/00000000-0000-0000-0000-000000000000/").status_code, 404)
        self.assertEqual(self.client.get("/data/export/jobs/1/").status_code, 404)

    def test_officers_and_city_viewers_cannot_start_an_export(self):
        for user in (self.alice, self.charlie):
            self.login(user)
            with jobs(), self.captureOnCommitCallbacks(execute=True):
                self.assertEqual(self.client.get("/data/export/?year=2017").status_code, 404)
        self.assertFalse(ExportJob.objects.exists())


class FailureTests(ExportJobTestCase):
    def test_a_lost_job_shows_as_failed_after_three_hours_and_the_sweep_records_it(self):
        job = ExportJob.objects.create(
            requested_by=self.pat, year=2017, scope="approved", state=ExportJob.State.RUNNING,
            rows_done=500, rows_total=3000, created_at=timezone.now() - dt.timedelta(hours=4))
        data = self.status(job)
        self.assertEqual((data["state"], data["state_label"], data["download_url"]),
                         ("failed", "失败", None))
        self.assertEqual(data["error"], ExportJob.GIVEN_UP_ERROR)
        self.assertContains(self.client.get(f"/data/export/jobs/{job.pk}/"), "导出未能完成")
        # The admin may ask again at once; the hourly sweep records the failure.
        new = self.request_job()
        self.assertNotEqual(new.pk, job.pk)
        tasks.sweep_exports.delay()
        job.refresh_from_db()
        self.assertEqual((job.state, job.error), ("failed", ExportJob.GIVEN_UP_ERROR))

    def test_a_job_still_running_recently_is_not_given_up(self):
        job = ExportJob.objects.create(requested_by=self.pat, year=2017, scope="approved",
                                       state=ExportJob.State.RUNNING,
                                       created_at=timezone.now() - dt.timedelta(hours=2))
        exports.sweep_exports()
        job.refresh_from_db()
        self.assertEqual(job.state, ExportJob.State.RUNNING)
        self.assertEqual(self.status(job)["state"], "running")

    def test_failed_job_shows_a_chinese_error_and_no_download(self):
        with mock.patch.object(exports, "write_data_workbook",
                               side_effect=RuntimeError("disk on fire")), \
                self.assertLogs("reporting.workbook.tasks", "ERROR") as logs:
            job = self.request_job()
        self.assertIn("disk on fire", "\n".join(logs.output))  # the traceback is logged
        self.assertEqual(job.state, ExportJob.State.FAILED)
        data = self.status(job)
        self.assertEqual((data["state_label"], data["download_url"]), ("失败", None))
        self.assertEqual(data["error"], exports.FAILED_MESSAGE)
        page = self.client.get(f"/data/export/jobs/{job.pk}/")
        self.assertContains(page, exports.FAILED_MESSAGE)
        self.assertNotContains(page, "disk on fire")
        self.assertNotContains(page, "/download/")
        download = self.client.get(f"/data/export/jobs/{job.pk}/download/", follow=True)
        self.assertContains(download, "导出失败，没有可下载的文件")
        self.assertEqual(list(self.export_dir.iterdir()), [])  # no half-written file left
        self.assertFalse(AuditEvent.objects.filter(event="export_workbook").exists())

    def test_expired_file_is_swept_and_its_download_answers_a_message(self):
        old = self.request_job()
        ExportJob.objects.filter(pk=old.pk).update(
            finished_at=timezone.now() - dt.timedelta(hours=25))
        self.assertTrue((self.export_dir / old.file_name).exists())
        self.assertEqual(self.status(old)["state"], "expired")
        tasks.sweep_exports.delay()  # beat, hourly
        old.refresh_from_db()
        self.assertEqual(old.file_name, "")
        self.assertFalse((self.export_dir / f"{old.pk}.xlsx").exists())
        data = self.status(old)
        self.assertEqual((data["state"], data["state_label"], data["download_url"]),
                         ("expired", "已过期", None))
        download = self.client.get(f"/data/export/jobs/{old.pk}/download/", follow=True)
        self.assertEqual(download.status_code, 200)
        self.assertContains(download, "导出文件已过期（只保留 24 小时），请重新导出。")
        self.assertContains(download, "已过期")

    def test_file_gone_from_disk_reads_as_expired_not_a_server_error(self):
        job = self.request_job()
        (self.export_dir / job.file_name).unlink()
        self.assertEqual(self.status(job)["state"], "expired")
        download = self.client.get(f"/data/export/jobs/{job.pk}/download/", follow=True)
        self.assertContains(download, "导出文件已过期")

    def test_sweep_removes_leftovers_of_crashed_runs(self):
        self.request_job()
        leftover = self.export_dir / "crashed.part"
        leftover.write_bytes(b"half")
        day_ago = (timezone.now() - dt.timedelta(hours=25)).timestamp()
        os.utime(leftover, (day_ago, day_ago))
        exports.sweep_exports()
        self.assertFalse(leftover.exists())
