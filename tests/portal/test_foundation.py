import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import yaml
from django.test import Client, TestCase

from bases.audit import record
from portal.env import READ
from tests.base import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python with a fresh Django setup and the given environment (real process)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.pop("DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


class HealthzTests(TestCase):
    def test_healthz_reports_database_ok_without_login(self):
        response = Client().get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})

    def test_healthz_answers_503_when_database_is_unreachable(self):
        result = run_django(
            "import django; django.setup();"
            "from django.test import Client;"
            "r = Client(SERVER_NAME='localhost').get('/healthz');"
            "print(r.status_code, r.json()['database'])",
            DJANGO_SETTINGS_MODULE="portal.settings",
            # Nothing listens on port 1: a real connection failure, not a mock.
            DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
        )
        self.assertEqual(result.stdout.strip(), "503 unreachable", result.stderr)


class LandingTests(TestCase):
    def test_root_redirects_anonymous_user_to_a_login_page_that_answers(self):
        response = self.client.get("/", follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[-1][0], "/accounts/login/?next=/")
        self.assertContains(response, '<html lang="zh-hans">')
        self.assertContains(response, "登录")

    def test_pages_load_no_asset_from_the_internet(self):
        html = self.client.get("/accounts/login/").content.decode()
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')
        for asset in (ROOT / "static").rglob("*.css"):
            self.assertNotRegex(asset.read_text(), r"url\((['\"])?(https?:)?//")

    def test_layout_declares_viewport_for_phones(self):
        html = self.client.get("/accounts/login/").content.decode()
        self.assertIn('name="viewport" content="width=device-width, initial-scale=1"', html)


class LocaleTests(BaseTestCase):
    def test_django_messages_are_chinese_and_times_show_in_beijing_time(self):
        self.login(self.pat)
        # Django's own validation message, translated ("Enter a whole number.").
        self.assertContains(self.client.get("/statistics/?year=abc"), "输入整数。")
        # Stored in UTC: 2017-12-31 16:30 UTC is 2018-01-01 00:30 in Beijing.
        moment = dt.datetime(2017, 12, 31, 16, 30, 5, tzinfo=dt.UTC)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            record(None, "locale_probe", object_repr="probe", actor=self.pat)
        self.login(self.audrey)
        self.assertContains(self.client.get("/audit/?event=locale_probe"),
                            "<td>2018-01-01 00:30:05</td>")


class SettingsTests(TestCase):
    def test_production_refuses_to_start_without_secret_key(self):
        result = run_django("import django; django.setup()",
                            DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_DEBUG="0",
                            DJANGO_ALLOWED_HOSTS="portal.example.gov.cn")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY must be set", result.stderr)

    def test_deploy_check_is_clean_in_production_mode(self):
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                 "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
                 "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
                 "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-" + "y" * 20})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_env_example_lists_every_variable_the_settings_read(self):
        listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
        self.assertLessEqual(READ, listed, f"undocumented: {READ - listed}")
        readme = (ROOT / "README.md").read_text()
        for name in READ:
            self.assertIn(name, readme, f"README does not explain {name}")


class ComposeTests(TestCase):
    def test_compose_web_service_sets_only_variables_the_settings_read(self):
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        web = compose["services"]["web"]
        self.assertTrue(web["environment"])
        unknown = set(web["environment"]) - READ
        self.assertFalse(unknown, f"web sets variables the portal never reads: {unknown}")
        self.assertEqual(web["depends_on"]["db"]["condition"], "service_healthy")
        self.assertIn("migrate", web["command"])
        self.assertIn("gunicorn", web["command"])

    def test_compose_database_is_postgres_16_with_volume_and_healthcheck(self):
        db = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["db"]
        self.assertEqual(db["image"], "postgres:16")
        self.assertTrue(any(v.startswith("pgdata:") for v in db["volumes"]))
        self.assertIn("pg_isready", " ".join(db["healthcheck"]["test"]))
