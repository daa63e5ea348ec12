"""The web API: tokens, sessions and CSRF, and the API documentation."""

from __future__ import annotations

import io
from unittest import mock

from django.conf import settings
from django.core.management import CommandError, call_command
from django.middleware.csrf import _get_new_csrf_string
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from bases.models import AuditEvent
from reporting.models import Report
from tests.api.helpers import API, ApiTestCase
from tests.base import sign_in


class AuthenticationTests(ApiTestCase):
    def test_anonymous_gets_401_json_not_a_login_redirect(self):
        response = APIClient().get(f"{API}/reports/")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_session_api_refuses_an_admin_who_has_not_passed_two_factor(self):
        TOTPDevice.objects.create(user=self.pat, name="phone", confirmed=True)
        self.password_login(self.client, "pat")  # the password, not yet the second factor
        response = self.client.get(f"{API}/reports/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"detail": "请先在网页上完成两步验证，再使用接口。"})

    def test_session_api_answers_an_admin_after_two_factor(self):
        sign_in(self.client, self.pat)
        self.assertEqual(self.client.get(f"{API}/reports/").status_code, 200)

    def test_session_api_answers_an_officer_without_two_factor(self):
        self.password_login(self.client, "alice")
        self.assertEqual(self.client.get(f"{API}/reports/").status_code, 200)

    def test_unknown_api_path_is_a_json_404(self):
        response = self.call("alice", "get", "/nothing/here/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "页面不存在"})

    def test_create_api_token_command_issues_a_working_token_and_replaces_the_old(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("create_api_token", "carol", stdout=out, stderr=err)
        first = out.getvalue().strip()
        self.assertEqual(len(first), 40)
        self.assertNotEqual(first, self.tokens["carol"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens['carol']}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 401)  # replaced
        client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)

        out = io.StringIO()
        call_command("create_api_token", "carol", stdout=out, stderr=io.StringIO())
        second = out.getvalue().strip()
        self.assertEqual(client.get(f"{API}/reports/").status_code, 401)
        client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)

        events = AuditEvent.objects.filter(event="token_created")
        self.assertEqual(events.count(), 2)
        for event in events:
            self.assertEqual(event.object_repr, "user:carol")
            self.assertNotIn(first, event.detail + event.object_repr)
            self.assertNotIn(second, event.detail + event.object_repr)

    def test_create_api_token_refuses_unknown_inactive_and_non_data_accounts(self):
        for username in ("nobody", "sam", "audrey"):
            with self.subTest(username=username), self.assertRaises(CommandError):
                call_command("create_api_token", username, stdout=io.StringIO())
        self.alice.is_active = False
        self.alice.save()
        with self.assertRaises(CommandError):
            call_command("create_api_token", "alice", stdout=io.StringIO())
        self.assertEqual(self.call("alice", "get", "/reports/").status_code, 401)

    def test_province_admin_revokes_a_token_in_the_admin(self):
        admin = APIClient()
        sign_in(admin, self.pat)
        listing = admin.get("/admin/authtoken/tokenproxy/")
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, "alice")
        for key in self.tokens.values():
            self.assertNotContains(listing, key)
        self.assertEqual(admin.get("/admin/authtoken/tokenproxy/add/").status_code, 403)
        url = f"/admin/authtoken/tokenproxy/{self.alice.pk}/delete/"
        self.assertEqual(admin.get(url).status_code, 200)
        response = admin.post(url, {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Token.objects.filter(user=self.alice).exists())
        self.assertEqual(self.call("alice", "get", "/reports/").status_code, 401)
        event = AuditEvent.objects.get(event="token_revoked")
        self.assertEqual((event.actor_username, event.object_repr), ("pat", "user:alice"))

    def test_only_the_province_admin_sees_tokens_in_the_admin(self):
        client = APIClient()
        sign_in(client, self.sam)
        self.assertEqual(client.get("/admin/authtoken/tokenproxy/").status_code, 403)
        url = f"/admin/authtoken/tokenproxy/{self.alice.pk}/delete/"
        self.assertEqual(client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(Token.objects.filter(user=self.alice).exists())

    def test_session_post_without_csrf_token_is_refused(self):
        self.open_round(2018)
        client = APIClient(enforce_csrf_checks=True)
        sign_in(client, self.alice)
        self.assertEqual(client.get(f"{API}/reports/").status_code, 200)
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("CSRF", response.json()["detail"])
        self.assertFalse(Report.objects.exists())
        # With the CSRF token (cookie and header) the same session may write.
        secret = _get_new_csrf_string()
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json",
                               HTTP_X_CSRFTOKEN=secret)
        self.assertEqual(response.status_code, 201, response.json())

    def test_token_requests_need_no_csrf_token(self):
        self.open_round(2018)
        client = APIClient(enforce_csrf_checks=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens['alice']}")
        response = client.post(f"{API}/reports/", {"year": 2018}, format="json")
        self.assertEqual(response.status_code, 201)

    def test_throttled_clients_get_429(self):
        with mock.patch.object(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"}):
            statuses = [self.call("alice", "get", "/indicators/").status_code for _ in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])


class DocumentationTests(ApiTestCase):
    def test_schema_and_docs_are_served_without_any_asset_from_the_internet(self):
        schema = self.client_for("carol").get("/api/schema/")
        self.assertEqual(schema.status_code, 200)
        self.assertIn(b"/api/v1/reports/{id}/submit/", schema.content)
        docs = self.client_for("carol").get("/api/docs/")
        self.assertEqual(docs.status_code, 200)
        page = docs.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                      page)
        self.assertNotIn("https://", page)
        self.assertNotIn("<script>", page)  # no inline script: CSP script-src 'self'
        script = self.client_for("carol").get("/api/docs/?script=")
        self.assertEqual(script.status_code, 200)
        self.assertIn("/api/schema/", script.content.decode())

    def test_sidecar_assets_are_installed(self):
        # The docs page serves Swagger UI from these files; without the app (or its files)
        # the finder comes back empty and this fails: it must never be skipped.
        from django.contrib.staticfiles import finders

        self.assertIsNotNone(finders.find(
            "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"))
