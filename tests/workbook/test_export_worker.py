"""A real Celery worker (`celery -A portal worker`, a separate process) against the local
Redis finishes an export that the web view enqueued: the deployment's path end to end.

The worker opens the test database itself, so the rows must be committed
(TransactionTestCase) and the database shareable: PostgreSQL, or SQLite in a file
(TEST_SQLITE_FILE, which .ci/run sets). Without Redis or a shareable database the test is
skipped with the reason, except when CI is set: there it fails, never skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client, TransactionTestCase, override_settings

from bases.models import Base, City, Role, User
from portal.celery import app
from reporting.filing import services
from reporting.models import ExportJob, Report, Status
from reporting.workbook.data import read_data_workbook
from tests.base import in_ci, sign_in
from tests.workbook.helpers import full_values

#: A Redis database of its own; the queue's name is unique to the run, so that no other
#: worker on this machine (another checkout's tests) can take the task.
BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
ROOT = Path(settings.BASE_DIR)


def redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {BROKER} does not answer ({exc}); start it with `redis-server`"
    return None


def database_url() -> str | None:
    """The test database as a DATABASE_URL for another process, or None when it cannot be
    shared (SQLite in memory)."""
    config = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
        return (f"postgres://{config['USER']}{password}@{config.get('HOST') or '127.0.0.1'}"
                f":{config.get('PORT') or 5432}/{config['NAME']}")
    name = str(config["NAME"])
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{name}"
    return None


class RealWorkerExportTests(TransactionTestCase):
    def setUp(self) -> None:
        problem = redis_problem()
        if problem is None and database_url() is None:
            problem = ("the test database is SQLite in memory, which a worker process cannot "
                       "open; set TEST_SQLITE_FILE=/tmp/portal-test.sqlite3 or use PostgreSQL")
        if problem:
            if in_ci():
                self.fail(f"{problem} (CI is set, so this fails instead of skipping)")
            self.skipTest(f"{problem} (with CI set this fails instead)")
        self.tmp = Path(tempfile.mkdtemp(prefix="worker-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.queue = f"portal-test-{uuid.uuid4().hex[:12]}"
        self.addCleanup(self.forget_queue)
        self.use_broker()

    def forget_queue(self) -> None:
        """Remove this run's queue (and its bindings) from Redis."""
        import redis

        broker = redis.Redis.from_url(BROKER, socket_timeout=2)
        for key in broker.scan_iter(match=f"*{self.queue}*"):
            broker.delete(key)

    def _fixture_teardown(self) -> None:
        # The flush after a transactional test also empties the cities of the data
        # migration; the transactional tests after this one expect them.
        cities = list(City.objects.values("name", "sort_order"))
        super()._fixture_teardown()
        City.objects.bulk_create(City(**city) for city in cities)

    def use_broker(self) -> None:
        """This process enqueues to Redis (the web containers' setting) instead of eagerly."""
        conf = app.conf
        saved = {key: conf[key] for key in ("task_always_eager", "broker_url",
                                            "task_default_queue")}

        def reset() -> None:
            app.__dict__.pop("amqp", None)  # routing and producers are built from the conf
            if app._pool is not None:
                app._pool.force_close_all()
                app._pool = None

        def restore() -> None:
            conf.update(saved)
            reset()

        conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=self.queue)
        reset()
        self.addCleanup(restore)
        folder = override_settings(EXPORT_DIR=str(self.tmp / "exports"),
                                   EXPORT_INLINE_MAX_REPORTS=0)
        folder.enable()
        self.addCleanup(folder.disable)

    def start_worker(self) -> subprocess.Popen:
        log = (self.tmp / "worker.log").open("w")
        self.addCleanup(log.close)
        env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": BROKER,
               "PORTAL_EXPORT_DIR": str(self.tmp / "exports"), "DJANGO_DEBUG": "1"}
        env.pop("TEST_SQLITE_FILE", None)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
             "-Q", self.queue, "-n", f"{self.queue}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

        def stop() -> None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

        self.addCleanup(stop)
        return worker

    def worker_log(self) -> str:
        return (self.tmp / "worker.log").read_text(errors="replace")[-4000:]

    def test_an_export_enqueued_by_the_web_view_is_written_by_a_real_worker(self):
        city, _ = City.objects.get_or_create(name="长沙市")
        pat = User.objects.create(username="pat", role=Role.PROVINCE)
        for code in ("W001", "W002", "W003"):
            base = Base.objects.create(code=code, name=f"工作进程基地{code}", city=city)
            report = Report.objects.create(base=base, year=2017, status=Status.APPROVED)
            services.write_values(report, full_values(employees=int(code[1:])))
        client = Client()
        sign_in(client, pat)
        worker = self.start_worker()

        response = client.get("/data/export/?year=2017")
        job = ExportJob.objects.get()
        self.assertRedirects(response, f"/data/export/jobs/{job.pk}/",
                             fetch_redirect_response=False)
        deadline = time.monotonic() + 180  # the worker's start-up on a loaded machine
        while time.monotonic() < deadline:
            status = client.get(f"/data/export/jobs/{job.pk}/status/").json()
            if status["state"] in ("done", "failed") or worker.poll() is not None:
                break
            time.sleep(0.5)
        self.assertEqual(status["state"], "done", f"worker log:\n{self.worker_log()}")
        self.assertEqual((status["rows_done"], status["rows_total"]), (3, 3))
        self.assertIn(f"Task reporting.workbook.tasks.run_export[{job.pk}] received",
                      self.worker_log())  # the worker ran it (the task id is the job's)
        download = client.get(status["download_url"])
        path = self.tmp / "download.xlsx"
        path.write_bytes(b"".join(download.streaming_content))
        book = read_data_workbook(path)
        self.assertEqual(book.errors, [])
        self.assertEqual(sorted(row.values["employees"] for row in book.reports), [1, 2, 3])
