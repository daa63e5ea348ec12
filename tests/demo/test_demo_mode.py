"""Issues 16.10 and 16.11: `make demo` serves the portal as users see it (DEBUG off, the
portal's Chinese error pages, whitenoise, cookies over http on this machine only), and the
demo's admins sign in with authenticators whose secrets the seed prints."""

from __future__ import annotations

import base64
import io
import re

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.portal.test_foundation import ROOT, run_django

SHOW = ("import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.WHITENOISE_USE_FINDERS, s.ALLOWED_HOSTS)")
DEMO_ENV = {"DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "0",
            "PORTAL_DEMO": "1"}


class DemoSettingsTests(TestCase):
    def test_demo_mode_is_debug_off_with_cookies_that_work_over_local_http(self):
        result = run_django(SHOW, **DEMO_ENV)

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(maxsplit=6),
                         ["False", "False", "False", "False", "True", "True",
                          "['127.0.0.1', 'localhost']\n"])

    def test_demo_mode_is_refused_for_a_host_that_is_not_this_machine(self):
        result = run_django(SHOW, **DEMO_ENV, DJANGO_ALLOWED_HOSTS="portal.example.gov.cn")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("PORTAL_DEMO=1 is for this machine only", result.stderr)

    def test_production_still_needs_a_broker_and_secure_cookies(self):
        result = run_django(SHOW, DJANGO_SETTINGS_MODULE="portal.settings", DJANGO_DEBUG="0",
                            DJANGO_ALLOWED_HOSTS="portal.example.gov.cn",
                            DJANGO_SECRET_KEY="k" * 60)

        self.assertIn("CELERY_BROKER_URL must be set", result.stderr)

    def test_make_demo_serves_in_demo_mode_and_tells_the_seed_its_address(self):
        makefile = (ROOT / "Makefile").read_text()

        self.assertIn("demo: export PORTAL_DEMO = 1", makefile)
        self.assertIn("demo: export DJANGO_DEBUG = 0", makefile)
        self.assertIn("seed_demo --if-empty --address $(HOST)", makefile)


class ErrorPageTests(TestCase):
    def test_an_unknown_address_gets_the_portals_chinese_404_without_the_url_list(self):
        response = self.client.get("/no-such-page/")

        self.assertEqual(response.status_code, 404)
        page = response.content.decode()
        self.assertIn("页面不存在", page)
        self.assertNotIn("URLconf", page)


class DemoAuthenticatorTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.out = io.StringIO()
        call_command("seed_demo", "--address", "127.0.0.1:8123", stdout=cls.out)

    def test_seed_prints_each_admins_secret_and_the_real_address(self):
        printed = self.out.getvalue()

        self.assertIn("打开 http://127.0.0.1:8123/ 登录。", printed)
        self.assertNotIn(":8000", printed)
        for username in ("changsha_reviewer", "province_admin", "security_admin", "audit_admin"):
            device = TOTPDevice.objects.get(user__username=username, confirmed=True)
            secret = re.search(rf"{username} .*两步验证密钥 ([A-Z2-7]+)", printed)[1]
            self.assertEqual(len(secret), 32)
            self.assertEqual(base64.b32decode(secret + "=" * (-len(secret) % 8)),
                             device.bin_key)

    @override_settings(DEMO=True)
    def test_demo_totp_prints_the_current_code_in_demo_mode(self):
        out = io.StringIO()
        call_command("demo_totp", "audit_admin", stdout=out)

        device = TOTPDevice.objects.get(user__username="audit_admin")
        expected = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.assertEqual(out.getvalue().strip(), f"{expected:06d}")

    @override_settings(DEMO=True)
    def test_demo_totp_refuses_an_account_that_is_not_a_demo_admin(self):
        with self.assertRaisesMessage(CommandError, "不是需要两步验证的演示账号"):
            call_command("demo_totp", "cs_officer", stdout=io.StringIO())

    def test_demo_totp_refuses_outside_demo_mode(self):
        with self.assertRaisesMessage(CommandError, "只能在演示模式"):
            call_command("demo_totp", "audit_admin", stdout=io.StringIO())
