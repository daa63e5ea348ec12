"""Background work (issue 21): the beat schedule, the audit purge on it, and the compose
services that run Celery (the worker, beat; the web containers only enqueue)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from celery.schedules import crontab
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from bases.models import AuditEvent
from bases.tasks import purge_audit
from portal.celery import app
from portal.env import READ
from tests.base import audit_event_at

ROOT = Path(__file__).resolve().parents[2]


class BeatScheduleTests(TestCase):
    def test_every_scheduled_task_exists_and_runs_on_shanghai_time(self):
        app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
        schedule = settings.CELERY_BEAT_SCHEDULE
        for name, entry in schedule.items():
            with self.subTest(entry=name):
                self.assertIn(entry["task"], app.tasks)
                self.assertIsInstance(entry["schedule"], crontab)
        self.assertEqual(app.conf.timezone, "Asia/Shanghai")
        self.assertEqual({"sweep-exports", "purge-audit", "refresh-statistics"} - set(schedule),
                         set())
        self.assertEqual(schedule["purge-audit"]["schedule"].hour, {3})

    def test_exports_are_acknowledged_late_and_handed_back_by_a_dying_worker(self):
        task = app.tasks["reporting.workbook.tasks.run_export"]
        self.assertTrue(task.acks_late)
        self.assertTrue(task.reject_on_worker_lost)
        self.assertEqual(app.conf.worker_prefetch_multiplier, 1)


class PurgeAuditTaskTests(TestCase):
    def test_the_nightly_purge_deletes_records_past_180_days_and_keeps_the_rest(self):
        now = timezone.now()
        old = audit_event_at(now - dt.timedelta(days=181), event="login_failed")
        kept = audit_event_at(now - dt.timedelta(days=179), event="logout")
        purge_audit.delay()
        self.assertFalse(AuditEvent.objects.filter(pk=old).exists())
        self.assertTrue(AuditEvent.objects.filter(pk=kept).exists())
        self.assertEqual(AuditEvent.objects.get(event="audit_purged").detail,
                         "older_than_days=180 deleted=1")


class ComposeBackgroundTests(TestCase):
    def setUp(self) -> None:
        self.services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    def test_worker_and_beat_run_celery_with_health_checks(self):
        worker, beat = self.services["worker"], self.services["beat"]
        self.assertEqual(worker["command"][:4], ["celery", "-A", "portal", "worker"])
        self.assertIn("inspect ping", " ".join(worker["healthcheck"]["test"]))
        self.assertEqual(beat["command"][:4], ["celery", "-A", "portal", "beat"])
        self.assertIn("celerybeat-schedule", " ".join(beat["healthcheck"]["test"]))
        self.assertIn("redis-cli", self.services["redis"]["healthcheck"]["test"])

    def test_web_worker_and_beat_share_one_broker_database_and_export_folder(self):
        web, worker = self.services["web"], self.services["worker"]
        for name in ("web", "worker", "beat"):
            environment = self.services[name]["environment"]
            with self.subTest(service=name):
                self.assertEqual(environment["CELERY_BROKER_URL"], "redis://redis:6379/1")
                self.assertEqual(environment["DATABASE_URL"], web["environment"]["DATABASE_URL"])
                self.assertFalse(set(environment) - READ)
                self.assertEqual(self.services[name]["depends_on"]["redis"]["condition"],
                                 "service_healthy")
        exports = f"exports:{web['environment']['PORTAL_EXPORT_DIR']}"
        self.assertIn(exports, web["volumes"])
        self.assertIn(exports, worker["volumes"])
