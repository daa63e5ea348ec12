"""The audit log records refusals and crashes, and on PostgreSQL the database itself keeps
the table append-only (issue 14, items 11 and 15)."""

from __future__ import annotations

import datetime as dt
import io
import unittest
from unittest import mock

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from bases.models import AuditEvent, City
from tests.api.helpers import ApiTestCase
from tests.api.test_api_hardening import RoundOpenTestCase
from tests.base import audit_event_at, sign_in
from tests.crash_urls import CRASHED_CITY

API = "/api/v1"


class RefusalAuditTests(RoundOpenTestCase):
    """A 403 inside the caller's scope is audited like the 404 outside it."""

    def denied(self) -> list[tuple[str, str, str, str]]:
        return list(AuditEvent.objects.filter(outcome="denied").order_by("id").values_list(
            "event", "actor_username", "object_repr", "detail"))

    def test_an_officer_approving_through_the_api_is_audited_once(self):
        # The report policy records its role refusals itself; the 403 handler adds nothing.
        report = self.draft()
        response = self.call("alice", "post", f"/reports/{report.pk}/approve/",
                             {"version": report.version})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.denied(), [
            ("role_denied", "alice", f"report:{report.pk}", "只有省级管理员可以审核报表")])

    def test_a_city_viewer_writing_through_the_api_is_audited_once(self):
        report = self.draft()
        response = self.call("carol", "patch", f"/reports/{report.pk}/",
                             {"version": report.version, "values": {"service_staff": 1}})
        self.assertEqual(response.status_code, 403)
        self.assertEqual([(event, actor) for event, actor, *_ in self.denied()],
                         [("role_denied", "carol")])
        self.assertEqual(report.values.get(code="service_staff").value, 10)

    def test_a_city_viewer_asking_for_a_preview_is_refused_and_audited(self):
        response = self.call("carol", "get", "/statistics/annexes/?preview=true")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.denied(), [
            ("permission_denied", "carol", f"GET {API}/statistics/annexes/",
             "只有省级管理员可以预览未审核数据")])

    def test_a_session_write_without_csrf_is_refused_and_audited(self):
        client = APIClient(enforce_csrf_checks=True)
        sign_in(client, self.alice)
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json")
        self.assertEqual(response.status_code, 403)
        [(event, actor, what, detail)] = self.denied()
        self.assertEqual((event, what), ("permission_denied", f"POST {API}/reports/"))
        self.assertIn("CSRF", detail)

    def test_a_page_refused_inside_the_admin_is_audited_and_chinese(self):
        client = Client()
        sign_in(client, self.sam)  # the security admin: accounts, never report data
        response = client.get("/admin/reporting/report/")
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "无权操作", status_code=403)
        self.assertEqual(self.denied(), [
            ("permission_denied", "sam", "GET /admin/reporting/report/", "")])

    def test_an_expired_form_is_audited_as_a_csrf_refusal(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post("/bases/A001/reports/2018/", {"action": "save"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual([e[:3] for e in self.denied()],
                         [("csrf_denied", "alice", "POST /bases/A001/reports/2018/")])


@override_settings(ROOT_URLCONF="tests.crash_urls")
class CrashAuditTests(ApiTestCase):
    def server_errors(self) -> list[tuple[str, str, str, str]]:
        return list(AuditEvent.objects.filter(event="server_error").values_list(
            "actor_username", "object_repr", "outcome", "detail"))

    def test_a_crashing_page_leaves_its_record_while_its_writes_roll_back(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.alice)
        self.assertEqual(client.post("/crash/").status_code, 500)
        self.assertFalse(City.objects.filter(name=CRASHED_CITY).exists())
        self.assertEqual(self.server_errors(), [("alice", "POST /crash/", "failure", "Crash")])

    def test_a_crashing_api_request_leaves_its_record_with_the_token_holder(self):
        self.assertEqual(self.call("pat", "get", "/crash/").status_code, 500)
        self.assertFalse(City.objects.filter(name=CRASHED_CITY).exists())
        self.assertEqual(self.server_errors(), [("pat", f"GET {API}/crash/", "failure",
                                                 "Crash")])

    def test_a_crash_outside_the_views_is_recorded_once_by_the_500_handler(self):
        with mock.patch("portal.middleware.ContentSecurityPolicyMiddleware.__call__",
                        side_effect=RuntimeError("middleware")):
            api = APIClient(raise_request_exception=False).get(f"{API}/indicators/")
            page = Client(raise_request_exception=False).get("/accounts/login/")
        self.assertEqual((api.status_code, api.json()), (500, {"detail": "服务器内部错误"}))
        self.assertContains(page, "服务器暂时无法处理请求", status_code=500)
        self.assertEqual(sorted(what for _, what, *_ in self.server_errors()),
                         ["GET /accounts/login/", f"GET {API}/indicators/"])


@unittest.skipUnless(connection.vendor == "postgresql",
                     "a database trigger of PostgreSQL; CI runs this suite on PostgreSQL too")
class AppendOnlyTableTests(ApiTestCase):
    """Raw SQL, past the ORM's refusals: the database refuses too."""

    def refused(self, sql: str, params: list) -> None:
        with self.assertRaisesMessage(DatabaseError, "审计记录只能追加"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_update_and_delete_through_raw_sql_are_refused(self):
        recent = AuditEvent.objects.create(event="login", actor_username="alice").pk
        old = audit_event_at(timezone.now() - dt.timedelta(days=400))
        for pk in (recent, old):
            self.refused("UPDATE bases_auditevent SET detail = 'tampered' WHERE id = %s", [pk])
            self.refused("UPDATE bases_auditevent SET at = now() WHERE id = %s", [pk])
            self.refused("DELETE FROM bases_auditevent WHERE id = %s", [pk])
        self.assertEqual(AuditEvent.objects.filter(pk__in=[recent, old], detail="").count(), 2)

    def test_the_purge_flag_lets_only_records_past_the_retention_go(self):
        recent = AuditEvent.objects.create(event="login").pk
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL portal.audit_purge = 'on'")
            self.refused("DELETE FROM bases_auditevent WHERE id = %s", [recent])
        self.assertTrue(AuditEvent.objects.filter(pk=recent).exists())

    def test_purge_still_deletes_records_older_than_the_retention(self):
        old = audit_event_at(timezone.now() - dt.timedelta(days=200))
        kept = audit_event_at(timezone.now() - dt.timedelta(days=170))
        call_command("purge_audit", stdout=io.StringIO())
        self.assertFalse(AuditEvent.objects.filter(pk=old).exists())
        self.assertTrue(AuditEvent.objects.filter(pk=kept).exists())
        # The flag does not outlive the purge, even inside an outer transaction.
        self.refused("DELETE FROM bases_auditevent WHERE id = %s",
                     [audit_event_at(timezone.now() - dt.timedelta(days=300))])

    def test_deleting_an_account_keeps_its_records_and_their_username(self):
        client = APIClient()
        sign_in(client, self.alice)
        self.assertEqual(client.get(f"{API}/bases/B001/").status_code, 404)
        self.alice.delete()
        event = AuditEvent.objects.get(event="scope_denied")
        self.assertEqual((event.actor_id, event.actor_username), (None, "alice"))
