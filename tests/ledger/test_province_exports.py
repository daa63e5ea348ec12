"""The province-wide activities and roster exports run as background jobs (reporting's
ExportJob): the request only queues the job (after the commit), the job page shows its
state, and the file goes to the admin who asked for it alone, as the data export's does.

The Celery task runs eagerly (no broker in the tests), as the commit starts it; the files
are read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from django.test import override_settings

from bases.ledger import services
from bases.models import AuditEvent, Role
from bases.roster.models import Enterprise
from reporting.models import ExportJob
from reporting.workbook import tasks
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase
from tests.roster.helpers import credit_code
from tests.workbook_files import body, read_back


class ProvinceExportJobTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        services.create_activity(base=cls.base_b, actor=cls.bob, data=services.ActivityInput(
            date=dt.date(2018, 6, 1), category="financing", title="融资路演",
            provider_id=None, enterprises_served=12))
        for n, base in ((1, cls.base_a), (2, cls.base_b)):
            Enterprise.objects.create(base=base, name=f"企业{n}", credit_code=credit_code(n),
                                      moved_in=dt.date(2016, 3, 1), contact="张三 0731-1234")

    def setUp(self) -> None:
        self.export_dir = Path(tempfile.mkdtemp(prefix="record-exports-")) / "exports"
        self.addCleanup(shutil.rmtree, self.export_dir.parent, ignore_errors=True)
        folder = override_settings(EXPORT_DIR=str(self.export_dir))
        folder.enable()
        self.addCleanup(folder.disable)

    def run_job(self, url: str) -> ExportJob:
        sign_in(self.client, self.pat)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.get(url)
        job = ExportJob.objects.latest("created_at")
        self.assertRedirects(response, f"/data/export/jobs/{job.pk}/",
                             fetch_redirect_response=False)
        job.refresh_from_db()
        return job

    def test_the_request_only_queues_the_job_and_enqueues_it_after_the_commit(self):
        sign_in(self.client, self.pat)
        with mock.patch.object(tasks.run_export, "apply_async") as enqueue, \
                self.captureOnCommitCallbacks(execute=True):
            response = self.client.get("/ledger/export/?year=2018")
            enqueue.assert_not_called()
        job = ExportJob.objects.get()
        self.assertEqual(response.status_code, 302)
        enqueue.assert_called_once_with((str(job.pk),), task_id=str(job.pk))
        self.assertEqual((job.kind, job.year, job.state), ("ledger", 2018, "queued"))
        page = self.client.get(f"/data/export/jobs/{job.pk}/")
        self.assertContains(page, "导出全省服务活动")
        self.assertContains(page, "排队中")
        self.assertNotContains(page, f"/data/export/jobs/{job.pk}/download/")

    def test_activities_job_finishes_and_downloads_every_bases_rows(self):
        job = self.run_job("/ledger/export/?year=2018")
        self.assertEqual((job.state, job.rows_done), ("done", 2))
        status = self.client.get(f"/data/export/jobs/{job.pk}/status/").json()
        self.assertEqual((status["state"], status["unit"]), ("done", "条服务活动"))
        self.assertContains(self.client.get(f"/data/export/jobs/{job.pk}/"),
                            "已导出 2 / 2 条服务活动")
        download = self.client.get(status["download_url"])
        self.assertIn("2018.xlsx", download["Content-Disposition"])
        rows = read_back(body(download))
        self.assertEqual(rows[0][:3], ("基地编码", "基地名称", "日期"))
        self.assertEqual([row[:5] for row in rows[1:]], [
            ("A001", "长沙科技新城", "2018-05-10", "人员培训", "创业培训班"),
            ("B001", self.base_b.name, "2018-06-01", "投融资服务", "融资路演")])
        self.assertTrue(AuditEvent.objects.filter(event="export_ledger_province",
                                                  actor=self.pat).exists())

    def test_roster_job_has_every_base_with_contacts(self):
        job = self.run_job("/roster/export/?year=2018")
        self.assertEqual((job.kind, job.state, job.rows_done), ("roster", "done", 2))
        rows = read_back(body(self.client.get(f"/data/export/jobs/{job.pk}/download/")))
        self.assertEqual(rows[0][:3], ("基地编码", "基地名称", "企业名称"))
        self.assertEqual([(row[0], row[2]) for row in rows[2:]],
                         [("A001", "企业1"), ("B001", "企业2")])
        self.assertIn("张三 0731-1234", rows[2])

    def test_another_province_admin_and_a_city_viewer_get_404_for_the_file(self):
        job = self.run_job("/roster/export/?year=2018")
        other = self.make_user("pat2", Role.PROVINCE)
        for user in (other, self.carol, self.alice):
            with self.subTest(user=user.username):
                sign_in(self.client, user)
                for suffix in ("", "status/", "download/"):
                    response = self.client.get(f"/data/export/jobs/{job.pk}/{suffix}")
                    self.assertEqual(response.status_code, 404)

    def test_officers_and_city_viewers_cannot_start_a_province_export(self):
        for user in (self.alice, self.carol, self.charlie):
            for url in ("/ledger/export/?year=2018", "/roster/export/?year=2018"):
                with self.subTest(user=user.username, url=url):
                    sign_in(self.client, user)
                    with self.captureOnCommitCallbacks(execute=True):
                        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertFalse(ExportJob.objects.exists())

    def test_the_jobs_show_in_the_admins_recent_exports_and_expire_with_the_sweep(self):
        from reporting.workbook import exports

        job = self.run_job("/ledger/export/?year=2018")
        page = self.client.get("/data/export/")
        self.assertContains(page, "全省服务活动")
        ExportJob.objects.filter(pk=job.pk).update(
            finished_at=job.finished_at - ExportJob.KEEP_FILES_FOR - dt.timedelta(minutes=1))
        self.assertEqual(exports.sweep_exports(), 1)
        self.assertEqual(list(self.export_dir.glob("*.xlsx")), [])
        self.assertEqual(self.client.get(f"/data/export/jobs/{job.pk}/status/").json()["state"],
                         "expired")
