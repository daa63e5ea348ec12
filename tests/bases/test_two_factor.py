"""Two-factor login (issue 14): no re-enrolment with the password alone, the security admin's
audited reset, password expiry after the second factor, safe `next`, superusers held to 2FA,
and no admin page showing a TOTP key."""

from __future__ import annotations

import base64
import datetime as dt
import io
import sys
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bases.models import AuditEvent, Role, User
from tests.base import BaseTestCase, sign_in

NEW_PASSWORD = "Brand-New-Pass-7"
HOME = {"pat": "/province/", "sam": "/admin/", "audrey": "/audit/"}


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def fresh_code(device: TOTPDevice) -> str:
    """The current code, usable again: forget the time step the device last accepted."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return code(device)


class TwoFactorTestCase(BaseTestCase):
    def device(self, user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)

    def password_client(self, user: User) -> Client:
        client = Client()
        self.assertEqual(self.password_login(client, user.username).status_code, 302)
        return client

    def assert_second_factor_pending(self, client: Client) -> None:
        """Pages and the admin lead to the 2FA pages; the API refuses the session."""
        for page in ("/province/", "/admin/"):
            response = client.get(page)
            self.assertEqual(response.status_code, 302, page)
            self.assertTrue(response.url.startswith("/accounts/2fa/"), response.url)
        api = client.get("/api/v1/bases/")
        self.assertEqual(api.status_code, 403)
        self.assertIn("两步验证", api.json()["detail"])


class CityReviewerTests(TwoFactorTestCase):
    def test_a_city_reviewer_enrols_then_verifies_before_the_city_queue(self):
        client = self.password_client(self.rita)  # no device yet
        response = client.get("/city/reviews/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.url.startswith("/accounts/2fa/setup/"), response.url)

        device = self.device(self.rex)
        client = self.password_client(self.rex)
        response = client.get("/city/reviews/")
        self.assertTrue(response.url.startswith("/accounts/2fa/verify/"), response.url)
        self.assertEqual(client.get("/api/v1/reports/").status_code, 403)
        client.post("/accounts/2fa/verify/", {"otp_token": code(device)})
        self.assertEqual(client.get("/city/reviews/").status_code, 200)

    def test_a_city_viewer_still_needs_no_second_factor(self):
        client = self.password_client(self.carol)
        self.assertEqual(client.get("/statistics/").status_code, 200)


class ReEnrolmentTests(TwoFactorTestCase):
    def test_password_alone_gets_no_new_secret_for_any_role_that_needs_it(self):
        for user in (self.pat, self.sam, self.audrey, self.rita):
            with self.subTest(user=user.username):
                original = self.device(user)
                client = self.password_client(user)
                page = client.get("/accounts/2fa/setup/")
                self.assertRedirects(page, "/accounts/2fa/verify/",
                                     fetch_redirect_response=False)
                # Whatever secret the setup page may have handed out, confirm it.
                for offered in TOTPDevice.objects.filter(user=user, confirmed=False):
                    client.post("/accounts/2fa/setup/", {"otp_token": code(offered)})
                client.post("/accounts/2fa/setup/", {"otp_token": "123456"})
                self.assertEqual(list(TOTPDevice.objects.filter(user=user)), [original])
                self.assert_second_factor_pending(client)
                self.assertTrue(AuditEvent.objects.filter(
                    event="otp_setup_denied", actor_username=user.username,
                    outcome="denied").exists())

    def test_security_admin_resets_a_device_and_the_user_enrols_at_next_login(self):
        device = self.device(self.pat)
        old_session = self.password_client(self.pat)
        old_session.post("/accounts/2fa/verify/", {"otp_token": code(device)})
        self.assertEqual(old_session.get("/province/").status_code, 200)

        sign_in(self.client, self.sam)
        response = self.client.post("/admin/otp_totp/totpdevice/", {
            "action": "reset_second_factor", "_selected_action": [device.pk]})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(user=self.pat).exists())
        event = AuditEvent.objects.get(event="otp_reset")
        self.assertEqual((event.actor_username, event.object_repr), ("sam", "user:pat"))
        self.assertIn("重新绑定", event.detail)
        # The old session ended with the device; the next login enrols a new one.
        self.assertRedirects(old_session.get("/province/"), "/accounts/login/?next=/province/",
                             fetch_redirect_response=False)
        client = self.password_client(self.pat)
        self.assertRedirects(client.get("/"), "/accounts/2fa/setup/",
                             fetch_redirect_response=False)
        self.assertContains(client.get("/accounts/2fa/setup/"), "manual-key")

    def test_nobody_resets_their_own_second_factor(self):
        sign_in(self.client, self.sam)
        device = TOTPDevice.objects.get(user=self.sam)
        self.client.post("/admin/otp_totp/totpdevice/", {
            "action": "reset_second_factor", "_selected_action": [device.pk]})
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk).exists())
        self.assertFalse(AuditEvent.objects.filter(event="otp_reset").exists())
        self.assertEqual(AuditEvent.objects.get(event="otp_reset_denied").outcome, "denied")


class PasswordAfterSecondFactorTests(TwoFactorTestCase):
    def change_password(self, client: Client):
        return client.post("/accounts/password/", {
            "old_password": "Correct-Horse-42", "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD})

    def test_expired_or_flagged_admin_passwords_go_second_factor_then_password_page(self):
        for user, flag in ((self.pat, "expired"), (self.sam, "must_change"),
                           (self.audrey, "expired")):
            with self.subTest(user=user.username, flag=flag):
                if flag == "expired":
                    user.password_changed_at = timezone.now() - dt.timedelta(days=91)
                else:
                    user.must_change_password = True
                user.save()
                device = self.device(user)
                client = self.password_client(user)
                self.assertRedirects(client.get("/"), "/accounts/2fa/verify/",
                                     fetch_redirect_response=False)
                # The password page itself needs the second factor first.
                self.assertRedirects(client.get("/accounts/password/"),
                                     "/accounts/2fa/verify/?next=/accounts/password/",
                                     fetch_redirect_response=False)
                self.change_password(client)
                user.refresh_from_db()
                self.assertFalse(user.check_password(NEW_PASSWORD))
                self.assertEqual(client.get("/accounts/2fa/verify/").status_code, 200)
                client.post("/accounts/2fa/verify/", {"otp_token": code(device)})
                self.assertRedirects(client.get("/"), "/accounts/password/",
                                     fetch_redirect_response=False)
                self.assertRedirects(self.change_password(client), "/",
                                     fetch_redirect_response=False)
                self.assertEqual(client.get(HOME[user.username]).status_code, 200)

    def test_admin_created_with_must_change_enrols_then_changes_password(self):
        stdin, sys.stdin = sys.stdin, io.StringIO("Correct-Horse-42\n")
        try:
            call_command("create_account", "wang", "--role", "province", "--password-stdin",
                         "--must-change", stdout=io.StringIO())
        finally:
            sys.stdin = stdin
        client = self.password_client(User.objects.get(username="wang"))
        self.assertRedirects(client.get("/"), "/accounts/2fa/setup/",
                             fetch_redirect_response=False)
        self.assertEqual(client.get("/accounts/2fa/setup/").status_code, 200)
        device = TOTPDevice.objects.get(user__username="wang")
        client.post("/accounts/2fa/setup/", {"otp_token": code(device)})
        self.assertRedirects(client.get("/province/"), "/accounts/password/",
                             fetch_redirect_response=False)
        self.assertRedirects(self.change_password(client), "/",
                             fetch_redirect_response=False)
        self.assertEqual(client.get("/province/").status_code, 200)


class NextAfterSecondFactorTests(TwoFactorTestCase):
    def test_off_site_next_is_refused_and_audited_a_local_one_followed(self):
        device = self.device(self.pat)
        hostile = ("//evil.example", "https://evil.example/", "javascript:alert(1)",
                   "http://testserver/province/")  # plain http from an https page
        for target in hostile:
            with self.subTest(target=target):
                client = self.password_client(self.pat)
                response = client.post(f"/accounts/2fa/verify/?{urlencode({'next': target})}",
                                       {"otp_token": fresh_code(device)}, secure=True)
                self.assertRedirects(response, "/", fetch_redirect_response=False)
                self.assertTrue(AuditEvent.objects.filter(
                    event="redirect_refused", object_repr=target, outcome="denied").exists())
        client = self.password_client(self.pat)
        response = client.post("/accounts/2fa/verify/?next=/bases/%3Fpage%3D2",
                               {"otp_token": fresh_code(device)}, secure=True)
        self.assertRedirects(response, "/bases/?page=2", fetch_redirect_response=False)

    def test_the_login_pages_next_leads_through_the_second_factor(self):
        device = self.device(self.pat)
        login = self.client.post("/accounts/login/", {
            "username": "pat", "password": "Correct-Horse-42", "next": "/handovers/"})
        self.assertRedirects(login, "/handovers/", fetch_redirect_response=False)
        verify = self.client.get("/handovers/")
        self.assertRedirects(verify, "/accounts/2fa/verify/?next=/handovers/",
                             fetch_redirect_response=False)
        response = self.client.post(verify.url, {"otp_token": code(device)})
        self.assertRedirects(response, "/handovers/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/handovers/").status_code, 200)


class SuperuserAndDeviceAdminTests(TwoFactorTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sue = cls.make_user("sue", Role.OFFICER)
        cls.sue.is_superuser = True
        cls.sue.save()

    def test_superusers_pass_the_second_factor_whatever_their_role(self):
        client = self.password_client(self.sue)
        self.assertRedirects(client.get("/"), "/accounts/2fa/setup/",
                             fetch_redirect_response=False)
        self.assert_second_factor_pending(client)

    def test_no_page_shows_a_totp_key_and_only_the_security_admin_lists_devices(self):
        device = self.device(self.pat)
        secrets = (device.key, base64.b32encode(device.bin_key).decode())
        base = "/admin/otp_totp/totpdevice/"
        pages = [base, f"{base}add/", f"{base}{device.pk}/change/", f"{base}{device.pk}/config/",
                 f"{base}{device.pk}/qrcode/", f"{base}{device.pk}/delete/"]
        for persona in (self.sam, self.sue, self.pat, self.audrey, self.alice):
            sign_in(self.client, persona)
            for page in pages:
                with self.subTest(persona=persona.username, page=page):
                    response = self.client.get(page)
                    allowed = persona == self.sam and page == base
                    self.assertEqual(response.status_code, 200 if allowed else
                                     403 if persona.is_staff and page == base else 404)
                    for secret in secrets:
                        self.assertNotIn(secret, response.content.decode())
        sign_in(self.client, self.sam)
        listing = self.client.get(base).content.decode()
        self.assertIn("pat", listing)
        self.assertNotIn(f"{base}{device.pk}/", listing)

    def test_every_admin_page_follows_the_roles(self):
        security_pages = {User, Group, TOTPDevice, "axes.accessattempt"}
        personas = (self.pat, self.sam, self.audrey, self.alice, self.carol, self.sue)
        for model in admin.site._registry:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            owner = self.sam if {model, model._meta.label_lower} & security_pages else self.pat
            for persona in personas:
                sign_in(self.client, persona)
                with self.subTest(url=url, persona=persona.username):
                    response = self.client.get(url)
                    expected = 200 if persona == owner else 403 if persona.is_staff else 404
                    self.assertEqual(response.status_code, expected)
        self.assertEqual(AuditEvent.objects.filter(
            event="scope_denied", actor_username="audrey").count(), len(admin.site._registry))
