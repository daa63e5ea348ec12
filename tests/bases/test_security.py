"""The security baseline (MLPS 2.0 / ASVS L2): one test per rule."""

from __future__ import annotations

import datetime as dt
import io
import logging
import time

import openpyxl
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from bases.middleware import ACTIVE_AT_KEY
from bases.models import AuditEvent, AuditRecordImmutable, Role
from tests.base import PASSWORD, BaseTestCase, audit_event_at


class LockoutTests(BaseTestCase):
    def fail_login(self, client: Client, username: str = "alice", ip: str = "10.0.0.1"):
        return client.post("/accounts/login/", {"username": username, "password": "wrong"},
                           REMOTE_ADDR=ip)

    def test_five_failures_lock_the_username_whatever_the_ip(self):
        for attempt in range(5):
            self.fail_login(self.client, ip=f"10.0.0.{attempt + 1}")
        response = self.client.post("/accounts/login/",
                                    {"username": "alice", "password": PASSWORD},
                                    REMOTE_ADDR="10.9.9.9")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "连续 5 次登录失败，已被锁定 30 分钟", status_code=429)
        self.assertEqual(AuditEvent.objects.filter(event="lockout").count(), 1)

    def test_a_locked_username_does_not_lock_colleagues_behind_the_same_nat(self):
        for _ in range(5):
            self.fail_login(self.client)
        response = self.password_login(Client(REMOTE_ADDR="10.0.0.1"), "bob")
        self.assertEqual(response.status_code, 302)

    def test_lock_expires_after_thirty_minutes(self):
        for _ in range(5):
            self.fail_login(self.client)
        AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
        self.assertEqual(self.password_login(Client(), "alice").status_code, 302)

    def test_security_admin_unlocks_and_the_unlock_is_recorded(self):
        for _ in range(5):
            self.fail_login(self.client)
        attempt = AccessAttempt.objects.get(username="alice")
        self.login(self.sam)
        response = self.client.post("/admin/axes/accessattempt/", {
            "action": "unlock", "_selected_action": [attempt.pk]})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessAttempt.objects.exists())
        self.assertEqual(AuditEvent.objects.get(event="account_unlocked").object_repr,
                         "user:alice")
        self.assertEqual(self.password_login(Client(), "alice").status_code, 302)

    def test_province_admin_cannot_unlock(self):
        self.login(self.pat)
        self.assertEqual(self.client.get("/admin/axes/accessattempt/").status_code, 403)

    def test_token_auth_is_no_way_around_a_password_lockout(self):
        # Password logins exist only on the login page, which django-axes guards; the API
        # has no password authentication (only session and token).
        from rest_framework.authentication import BasicAuthentication

        from reporting.api import views as api  # noqa: F401  (the API is installed)

        classes = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
        self.assertNotIn(f"{BasicAuthentication.__module__}.BasicAuthentication", classes)
        for _ in range(5):
            self.fail_login(self.client)
        response = Client().post("/api/v1/reports/", {"year": 2018},
                                 HTTP_AUTHORIZATION="Basic YWxpY2U6Q29ycmVjdC1Ib3JzZS00Mg==")
        self.assertEqual(response.status_code, 401)


class PasswordTests(BaseTestCase):
    def test_passwords_need_ten_characters_and_three_character_classes(self):
        for weak in ("Sh0rt!", "alllowercase", "lowercase123", "ALLUPPER123"):
            with self.subTest(weak=weak), self.assertRaises(ValidationError):
                validate_password(weak, self.alice)
        validate_password("Lower-and-123", self.alice)

    def test_common_and_username_like_passwords_are_refused(self):
        with self.assertRaises(ValidationError):
            validate_password("Password123", self.alice)
        with self.assertRaises(ValidationError):
            validate_password("Alice-12345", self.alice)

    def test_composition_message_is_chinese(self):
        with self.assertRaisesMessage(ValidationError, "至少3类"):
            validate_password("lowercaseonly", None)

    def test_expired_password_forces_a_change_at_next_login(self):
        self.alice.password_changed_at = timezone.now() - dt.timedelta(days=91)
        self.alice.save()
        self.password_login(self.client, "alice")
        self.assertRedirects(self.client.get("/bases/A001/"), "/accounts/password/")
        self.alice.password_changed_at = timezone.now() - dt.timedelta(days=89)
        self.alice.save()
        self.assertEqual(self.client.get("/bases/A001/").status_code, 200)

    def test_no_account_may_be_named_admin_root_or_test(self):
        from bases.services import AccountError, provision_account

        for name in ("admin", "Root", "test"):
            with self.subTest(name=name), self.assertRaises(AccountError):
                provision_account(username=name, role=Role.AUDIT)
        self.login(self.sam)
        response = self.client.post("/admin/bases/user/add/", {
            "username": "admin", "password1": "Good-Pass-2024x", "password2": "Good-Pass-2024x",
            "role": "audit"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "保留名称")


class SessionTests(BaseTestCase):
    def test_sessions_expire_after_thirty_idle_minutes(self):
        self.password_login(self.client, "alice")
        session = Session.objects.get()
        self.assertAlmostEqual(session.expire_date, timezone.now() + dt.timedelta(minutes=30),
                               delta=dt.timedelta(seconds=30))
        # Move the clock: 31 idle minutes later the session has expired.
        Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
        self.assertEqual(self.client.get("/bases/A001/").status_code, 302)

    def idle(self, minutes: int) -> None:
        """Move the session's clock: last written `minutes` ago."""
        session = self.client.session
        session[ACTIVE_AT_KEY] = int(time.time()) - minutes * 60
        session.save()
        Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=30 - minutes))

    def test_activity_extends_the_session(self):
        # 25 idle minutes: nearly expired; 2: just past the once-a-minute refresh.
        for idle_minutes in (25, 2):
            with self.subTest(idle_minutes=idle_minutes):
                self.password_login(self.client, "alice")
                self.idle(idle_minutes)
                self.client.get("/bases/A001/")
                self.assertGreater(Session.objects.get().expire_date,
                                   timezone.now() + dt.timedelta(minutes=29))
                self.client.logout()

    def test_pages_within_a_minute_do_not_rewrite_the_session(self):
        self.password_login(self.client, "alice")
        self.client.get("/bases/A001/")
        written = Session.objects.get().expire_date
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get("/bases/A001/").status_code, 200)
        self.assertEqual(Session.objects.get().expire_date, written)
        self.assertFalse([q for q in queries.captured_queries
                          if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")])

    def test_session_key_rotates_at_login(self):
        session = self.client.session
        session["before"] = "login"
        session.save()
        anonymous_key = session.session_key
        self.password_login(self.client, "alice")
        self.assertNotEqual(self.client.cookies["sessionid"].value, anonymous_key)
        self.assertFalse(Session.objects.filter(session_key=anonymous_key).exists())

    def test_deactivating_a_user_ends_their_sessions(self):
        self.password_login(self.client, "alice")
        self.assertEqual(Session.objects.count(), 1)
        self.alice.is_active = False
        self.alice.save()
        self.assertEqual(Session.objects.count(), 0)
        self.assertEqual(self.client.get("/bases/A001/").status_code, 302)


class TwoFactorTests(BaseTestCase):
    def code(self, device: TOTPDevice) -> str:
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"

    def test_admin_roles_reach_only_the_setup_page_until_verified(self):
        for persona in ("pat", "sam", "audrey"):
            client = Client()
            self.password_login(client, persona)
            with self.subTest(persona=persona):
                self.assertRedirects(client.get("/"), "/accounts/2fa/setup/",
                                     fetch_redirect_response=False)
                self.assertRedirects(client.get("/admin/"), "/accounts/2fa/setup/?next=/admin/",
                                     fetch_redirect_response=False)
                self.assertEqual(client.get("/healthz").status_code, 200)

    def test_setup_shows_qr_code_and_manual_key_then_verifies(self):
        self.password_login(self.client, "pat")
        page = self.client.get("/accounts/2fa/setup/")
        self.assertContains(page, "<svg")
        device = TOTPDevice.objects.get(user=self.pat)
        import base64

        self.assertContains(page, base64.b32encode(device.bin_key).decode())
        response = self.client.post("/accounts/2fa/setup/", {"otp_token": self.code(device)})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(self.client.get("/province/").status_code, 200)
        self.assertEqual(AuditEvent.objects.filter(event="otp_enabled").count(), 1)

    def test_a_code_works_only_once(self):
        device = TOTPDevice.objects.create(user=self.pat, name="phone", confirmed=True)
        code = self.code(device)
        first = Client()
        self.password_login(first, "pat")
        self.assertRedirects(first.get("/"), "/accounts/2fa/verify/",
                             fetch_redirect_response=False)
        self.assertRedirects(first.post("/accounts/2fa/verify/", {"otp_token": code}), "/",
                             fetch_redirect_response=False)
        second = Client()
        self.password_login(second, "pat")
        response = second.post("/accounts/2fa/verify/", {"otp_token": code})
        self.assertContains(response, "验证码不正确或已使用")
        self.assertRedirects(second.get("/province/"), "/accounts/2fa/verify/?next=/province/",
                             fetch_redirect_response=False)

    def test_officers_are_not_forced_but_may_enable_it(self):
        self.password_login(self.client, "alice")
        self.assertEqual(self.client.get("/bases/A001/").status_code, 200)
        self.client.get("/accounts/2fa/setup/")
        device = TOTPDevice.objects.get(user=self.alice)
        self.client.post("/accounts/2fa/setup/", {"otp_token": self.code(device)})
        other = Client()
        self.password_login(other, "alice")
        self.assertRedirects(other.get("/bases/A001/"),
                             "/accounts/2fa/verify/?next=/bases/A001/",
                             fetch_redirect_response=False)


class AuditTests(BaseTestCase):
    def events(self) -> list[str]:
        return list(AuditEvent.objects.order_by("id").values_list("event", flat=True))

    def test_login_failure_logout_and_password_change_are_each_recorded_once(self):
        self.client.post("/accounts/login/", {"username": "alice", "password": "nope"})
        self.password_login(self.client, "alice")
        self.client.post("/accounts/password/", {"old_password": PASSWORD,
                                                 "new_password1": "Brand-New-Pass-7",
                                                 "new_password2": "Brand-New-Pass-7"})
        self.client.post("/accounts/logout/")
        self.assertEqual(self.events(), ["login_failed", "login", "password_changed", "logout"])
        failure = AuditEvent.objects.get(event="login_failed")
        self.assertEqual((failure.object_repr, failure.outcome, failure.ip),
                         ("user:alice", "failure", "127.0.0.1"))

    def test_passwords_never_reach_the_audit_log_or_the_logs(self):
        secret_wrong, new_password = "My-Secret-Guess-1", "Very-Secret-New-9"
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        handler = Collect(level=logging.DEBUG)
        root = logging.getLogger()
        root.addHandler(handler)
        old_level = root.level
        root.setLevel(logging.DEBUG)
        try:
            self.client.post("/accounts/login/", {"username": "alice",
                                                  "password": secret_wrong})
            self.password_login(self.client, "alice")
            self.client.post("/accounts/password/", {"old_password": PASSWORD,
                                                     "new_password1": new_password,
                                                     "new_password2": new_password})
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
        logged = "\n".join(r.getMessage() for r in records)
        stored = "\n".join(f"{e.object_repr} {e.detail}" for e in AuditEvent.objects.all())
        for secret in (secret_wrong, PASSWORD, new_password):
            self.assertNotIn(secret, logged)
            self.assertNotIn(secret, stored)

    def test_nobody_edits_or_deletes_audit_records(self):
        event = AuditEvent.objects.create(event="login", actor_username="alice")
        event.detail = "tampered"
        with self.assertRaises(AuditRecordImmutable):
            event.save()
        with self.assertRaises(AuditRecordImmutable):
            event.delete()
        with self.assertRaises(AuditRecordImmutable):
            AuditEvent.objects.update(detail="tampered")
        self.sam.is_superuser = True
        self.sam.save()
        self.login(self.sam)
        self.assertEqual(self.client.get(f"/admin/bases/auditevent/{event.pk}/change/")
                         .status_code, 404)
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).detail, "")

    def test_purge_refuses_records_younger_than_180_days(self):
        AuditEvent.objects.create(event="login")
        with self.assertRaisesMessage(CommandError, "至少180天"):
            call_command("purge_audit", "--older-than-days", "30")
        old = audit_event_at(timezone.now() - dt.timedelta(days=200))
        call_command("purge_audit", stdout=io.StringIO())
        self.assertFalse(AuditEvent.objects.filter(pk=old).exists())
        self.assertEqual(AuditEvent.objects.filter(event="login").count(), 1)

    def test_audit_admin_filters_and_exports_the_log(self):
        AuditEvent.objects.create(event="login", actor_username="alice")
        AuditEvent.objects.create(event="login_failed", actor_username="=cmd|' /C calc'!A0",
                                  outcome="failure")
        self.login(self.audrey)
        page = self.client.get("/audit/?outcome=failure")
        self.assertEqual([e.event for e in page.context["page"]], ["login_failed"])
        response = self.client.get("/audit/?outcome=failure&format=xlsx")
        sheet = load_workbook(io.BytesIO(response.content))["审计日志"]
        self.assertEqual((sheet["D2"].value, sheet["H2"].value), ("登录失败", "login_failed"))
        self.assertEqual(sheet["B2"].data_type, "s")
        self.assertEqual(sheet["B2"].value, "'=cmd|' /C calc'!A0")
        self.assertTrue(AuditEvent.objects.filter(event="export_audit_log").exists())

    def test_audit_log_counts_at_most_its_cap_and_says_so(self):
        from bases.audit import CappedPaginator

        AuditEvent.objects.bulk_create(AuditEvent(event="login", actor_username=f"u{i}")
                                       for i in range(25))
        paginator = CappedPaginator(AuditEvent.objects.all(), 10, cap=20)
        self.assertEqual((paginator.count, paginator.capped, paginator.num_pages), (20, True, 2))
        self.assertEqual(len(paginator.get_page(99)), 10)  # the cap's last page
        whole = CappedPaginator(AuditEvent.objects.all(), 10, cap=100)
        self.assertEqual((whole.count, whole.capped, whole.num_pages), (25, False, 3))

        self.login(self.audrey)
        page = self.client.get("/audit/").content.decode()
        self.assertNotIn("只列出最近的", page)
        with self.settings(AUDIT_LOG_COUNT_CAP=20):
            page = self.client.get("/audit/").content.decode()
        self.assertIn("符合条件的记录超过 20 条，此处只列出最近的 20 条", page)
        self.assertEqual(page.count("<tr><td>"), 20)

    def test_report_workflow_events_are_recorded(self):
        from tests.base import complete_values

        self.open_round(2018)
        self.login(self.alice)
        url = "/bases/A001/reports/2018/"
        self.client.post(url, {"action": "save", "version": "", **complete_values()})
        self.client.post(url, {"action": "submit", "version": "2", **complete_values()})
        self.login(self.pat)
        self.client.post(url + "review/", {"action": "approve", "version": "4"})
        self.assertEqual(
            list(AuditEvent.objects.filter(event__startswith="report_")
                 .order_by("id").values_list("event", flat=True)),
            ["report_saved", "report_saved", "report_submitted", "report_approved"])


class HardeningTests(BaseTestCase):
    def test_security_headers(self):
        response = self.client.get("/accounts/login/")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        csp = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)

    def test_openpyxl_parses_with_defusedxml(self):
        self.assertTrue(openpyxl.DEFUSEDXML)

    def test_csrf_is_enforced_on_api_session_auth(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.open_round(2018)
        response = client.post("/api/v1/reports/", {"year": 2018, "values": {}},
                               content_type="application/json")
        self.assertEqual(response.status_code, 403)


