"""Registering a base's own platform (平台对接, issue 18): by the province on the base's page
or by command, or at the officer's request approved by the province; one per base, a token
shown once, every step audited."""

from __future__ import annotations

import io

from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import AuditEvent, PlatformRequest, Role, User
from tests.base import BaseTestCase


class PlatformAccountTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def api_status(self, key: str, path: str = "/api/v1/bases/A001/activities/") -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client.get(path).status_code

    def register(self, username: str = "a001-platform"):
        self.login(self.pat)
        return self.client.post("/bases/A001/platform/register/", {"username": username})


class ProvinceRegistrationTests(PlatformAccountTestCase):
    def test_the_province_registers_the_account_and_sees_its_token_once(self):
        response = self.register()
        self.assertEqual(response.status_code, 200)
        account = User.objects.get(username="a001-platform")
        self.assertEqual((account.role, account.base), (Role.PLATFORM, self.base_a))
        self.assertFalse(account.has_usable_password())
        key = Token.objects.get(user=account).key
        self.assertContains(response, key)
        self.assertEqual(self.api_status(key), 200)
        self.assertEqual(self.api_status(key, "/api/v1/bases/B001/activities/"), 404)
        self.assertEqual(set(AuditEvent.objects.filter(actor=self.pat).values_list(
            "event", flat=True)) & {"platform_registered", "token_created"},
            {"platform_registered", "token_created"})
        page = self.client.get("/bases/A001/")
        self.assertContains(page, "a001-platform")
        self.assertNotContains(page, key)

    def test_one_platform_account_per_base(self):
        self.register()
        response = self.register("second-platform")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(User.objects.filter(username="second-platform").exists())
        self.assertEqual(User.objects.filter(role=Role.PLATFORM, base=self.base_a).count(), 1)

    def test_reissuing_the_token_retires_the_old_one(self):
        self.register()
        old = Token.objects.get(user__username="a001-platform").key
        response = self.client.post("/bases/A001/platform/token/")
        new = Token.objects.get(user__username="a001-platform").key
        self.assertContains(response, new)
        self.assertNotEqual(old, new)
        self.assertEqual(self.api_status(old), 401)

    def test_nobody_but_the_province_registers_or_reissues(self):
        for user in (self.alice, self.bob, self.carol, self.sam):
            self.login(user)
            for path in ("/bases/A001/platform/register/", "/bases/A001/platform/token/"):
                with self.subTest(user=user.username, path=path):
                    response = self.client.post(path, {"username": "x-platform"})
                    self.assertEqual(response.status_code, 404)
        self.assertFalse(User.objects.filter(role=Role.PLATFORM).exists())


class OfficerRequestTests(PlatformAccountTestCase):
    def request_platform(self, user=None, code: str = "A001"):
        self.login(user or self.alice)
        return self.client.post(f"/bases/{code}/platform/request/", {
            "username": "a001-platform", "note": "长沙科技新城公共服务平台 https://example.cn"})

    def test_the_officer_requests_and_the_province_approves_on_the_base_page(self):
        self.assertEqual(self.request_platform().status_code, 302)
        pending = PlatformRequest.objects.get(base=self.base_a)
        self.assertEqual((pending.state, pending.requested_by), ("open", self.alice))
        self.assertTrue(AuditEvent.objects.filter(event="platform_requested",
                                                  actor=self.alice).exists())
        self.login(self.pat)
        self.assertContains(self.client.get("/bases/A001/"), "批准并登记账号")
        response = self.client.post(f"/bases/A001/platform/requests/{pending.pk}/",
                                    {"decision": "approve"})
        account = User.objects.get(username="a001-platform")
        self.assertContains(response, Token.objects.get(user=account).key)
        pending.refresh_from_db()
        self.assertEqual((pending.state, pending.decided_by), ("approved", self.pat))

    def test_the_province_declines_a_request(self):
        self.request_platform()
        pending = PlatformRequest.objects.get()
        self.login(self.pat)
        self.client.post(f"/bases/A001/platform/requests/{pending.pk}/", {"decision": "decline"})
        pending.refresh_from_db()
        self.assertEqual(pending.state, "declined")
        self.assertFalse(User.objects.filter(role=Role.PLATFORM).exists())
        self.assertTrue(AuditEvent.objects.filter(event="platform_declined").exists())

    def test_only_the_bases_officer_requests_and_only_once(self):
        self.assertEqual(self.request_platform(self.bob).status_code, 404)
        self.assertEqual(self.request_platform(self.carol).status_code, 404)
        self.request_platform()
        self.request_platform()  # a second open request is refused with a message
        self.assertEqual(PlatformRequest.objects.count(), 1)

    def test_an_officer_cannot_approve(self):
        self.request_platform()
        pending = PlatformRequest.objects.get()
        response = self.client.post(f"/bases/A001/platform/requests/{pending.pk}/",
                                    {"decision": "approve"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(User.objects.filter(role=Role.PLATFORM).exists())

    def test_the_section_is_shown_to_the_province_and_the_officer_only(self):
        self.login(self.alice)
        self.assertContains(self.client.get("/bases/A001/"), "申请平台对接")
        self.login(self.carol)
        self.assertNotContains(self.client.get("/bases/A001/"), "平台对接")


class CommandTests(PlatformAccountTestCase):
    def test_create_account_makes_a_platform_account_for_a_base(self):
        out = io.StringIO()
        call_command("create_account", "a001-platform", "--role", "platform", "--base", "A001",
                     stdout=out)
        account = User.objects.get(username="a001-platform")
        self.assertEqual((account.role, account.base), (Role.PLATFORM, self.base_a))
        self.assertIn("create_api_token a001-platform", out.getvalue())
        token_out = io.StringIO()
        call_command("create_api_token", "a001-platform", stdout=token_out,
                     stderr=io.StringIO())
        self.assertEqual(self.api_status(token_out.getvalue().strip()), 200)

    def test_create_account_refuses_a_platform_without_base_a_second_one_or_a_password(self):
        call_command("create_account", "p1", "--role", "platform", "--base", "A001",
                     stdout=io.StringIO())
        for args in (["p2", "--role", "platform"],
                     ["p2", "--role", "platform", "--base", "A001"],
                     ["p2", "--role", "platform", "--base", "A001", "--city", "长沙市"]):
            with self.subTest(args=args), self.assertRaises(CommandError):
                call_command("create_account", *args, stdout=io.StringIO())
        self.assertFalse(User.objects.filter(username="p2").exists())

    def test_the_demo_gives_the_flagship_base_a_platform_account_without_a_secret(self):
        from reporting.management.commands.seed_demo import (
            DEMO_PLATFORM,
            add_demo_platform,
            demo_platform_help,
        )

        add_demo_platform(self.base_a)
        account = User.objects.get(username=DEMO_PLATFORM)
        self.assertEqual((account.role, account.base), (Role.PLATFORM, self.base_a))
        self.assertFalse(account.has_usable_password())
        self.assertFalse(Token.objects.filter(user=account).exists())
        help_text = demo_platform_help("http://127.0.0.1:8123/")
        self.assertIn(f"create_api_token {DEMO_PLATFORM}", help_text)
        self.assertIn("http://127.0.0.1:8123/api/v1/bases/", help_text)


class RefusedNameTests(PlatformAccountTestCase):
    def test_a_refused_account_name_is_audited_and_nothing_is_created(self):
        response = self.register("admin")  # a reserved name
        self.assertEqual(response.status_code, 302)
        self.assertFalse(User.objects.filter(role=Role.PLATFORM).exists())
        self.assertTrue(AuditEvent.objects.filter(event="account_refused",
                                                  object_repr="user:admin").exists())
