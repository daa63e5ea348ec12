import io
import os
from unittest import mock

from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from bases.models import AuditEvent, Handover, HandoverRequest, Role, User
from reporting.models import Report
from tests.base import PASSWORD, BaseTestCase


class HandoverTests(BaseTestCase):
    def login_for_real(self, client, user: User) -> None:
        self.assertEqual(self.password_login(client, user.username).status_code, 302)

    def test_handover_moves_the_base_and_ends_the_old_officers_session(self):
        from django.test import Client

        Report.objects.create(base=self.base_a, year=2017)
        old_client = Client()
        self.login_for_real(old_client, self.alice)
        self.assertEqual(old_client.get("/bases/A001/").status_code, 200)
        self.assertEqual(Session.objects.count(), 1)

        self.login(self.pat)
        response = self.client.post("/bases/A001/handover/", {
            "username": "dave", "initial_password": "Fresh-Start-2024", "note": "alice 调岗"})
        self.assertRedirects(response, "/bases/A001/")

        # alice's session is gone server-side: her next request goes to the login page.
        self.assertFalse(Session.objects.filter(
            session_key=old_client.cookies["sessionid"].value).exists())
        self.assertEqual(old_client.get("/bases/A001/").status_code, 302)
        self.alice.refresh_from_db()
        self.assertIsNone(self.alice.base)

        dave = User.objects.get(username="dave")
        self.assertEqual((dave.base, dave.role, dave.must_change_password),
                         (self.base_a, Role.OFFICER, True))
        handover = Handover.objects.get()
        self.assertEqual((handover.from_user, handover.to_user, handover.by, handover.note),
                         (self.alice, dave, self.pat, "alice 调岗"))
        self.assertEqual(AuditEvent.objects.filter(event="handover").count(), 1)

    def test_new_officer_sees_the_bases_history_and_old_officer_gets_404(self):
        Report.objects.create(base=self.base_a, year=2017)
        dave = self.make_user("dave", Role.OFFICER)
        self.login(self.pat)
        self.client.post("/bases/A001/handover/", {"username": "dave", "note": ""})
        self.login(dave)
        response = self.client.get("/bases/A001/")
        self.assertContains(response, "2017")
        self.assertContains(response, "dave")
        self.login(self.alice)
        self.assertEqual(self.client.get("/bases/A001/").status_code, 404)

    def test_handover_is_listed_on_base_page_and_province_page(self):
        dave = self.make_user("dave", Role.OFFICER)
        self.login(self.pat)
        self.client.post("/bases/A001/handover/", {"username": "dave", "note": "交接备注"})
        self.assertContains(self.client.get("/bases/A001/"), "交接备注")
        self.assertContains(self.client.get("/handovers/"), "交接备注")
        self.assertEqual(dave.handovers_received.count(), 1)

    def test_handover_to_an_officer_of_another_base_is_refused(self):
        self.login(self.pat)
        response = self.client.post("/bases/A001/handover/", {"username": "bob", "note": ""})
        self.assertContains(response, "已负责其他基地")
        self.assertEqual(Handover.objects.count(), 0)

    def test_new_account_without_password_is_refused_with_a_message(self):
        self.login(self.pat)
        response = self.client.post("/bases/A001/handover/", {"username": "erin"})
        self.assertContains(response, "新账号须设置初始密码")
        self.assertFalse(User.objects.filter(username="erin").exists())

    def test_outgoing_officer_requests_handover_from_own_page(self):
        self.login(self.alice)
        self.client.post("/bases/A001/handover-request/", {"note": "下月离职"})
        self.assertEqual(HandoverRequest.objects.get().note, "下月离职")
        self.login(self.pat)
        self.assertContains(self.client.get("/handovers/"), "下月离职")

    def test_officer_cannot_request_handover_for_another_base(self):
        self.login(self.bob)
        response = self.client.post("/bases/A001/handover-request/", {"note": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(HandoverRequest.objects.count(), 0)


class CreateAccountCommandTests(BaseTestCase):
    def run_command(self, *args: str, stdin: str = "") -> str:
        out = io.StringIO()
        import sys

        old_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command("create_account", *args, stdout=out)
        finally:
            sys.stdin = old_stdin
        return out.getvalue()

    def test_officer_for_a_free_base_can_log_in_with_the_given_password(self):
        self.bob.base = None
        self.bob.save()
        self.run_command("zhang", "--role", "officer", "--base", "B001", "--password-stdin",
                         stdin="Jade-River-2024\n")
        zhang = User.objects.get(username="zhang")
        self.assertEqual((zhang.role, zhang.base, zhang.must_change_password),
                         (Role.OFFICER, self.base_b, False))
        response = self.password_login(self.client, "zhang", "Jade-River-2024")
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_must_change_forces_a_password_change_at_first_login(self):
        self.run_command("li", "--role", "city", "--city", "湘潭市", "--password-stdin",
                         "--must-change", stdin="Li-Xiangtan-2024\n")
        self.password_login(self.client, "li", "Li-Xiangtan-2024")
        self.assertRedirects(self.client.get("/bases/"), "/accounts/password/")

    def test_role_must_match_scope(self):
        cases = [
            (("x1", "--role", "officer"), "必须指定 --base"),
            (("x2", "--role", "officer", "--city", "长沙市"), "必须指定 --base"),
            (("x3", "--role", "city"), "必须指定 --city"),
            (("x4", "--role", "province", "--base", "A001"), "不关联基地或市州"),
            (("x5", "--role", "city", "--city", "北京市"), "市州“北京市”不存在"),
            (("x6", "--role", "officer", "--base", "NOPE"), "基地编码“NOPE”不存在"),
        ]
        for args, message in cases:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.run_command(*args)
        self.assertFalse(User.objects.filter(username__startswith="x").exists())

    def test_unknown_role_is_refused(self):
        with self.assertRaises(CommandError):
            self.run_command("x7", "--role", "king")

    def test_existing_officer_holding_a_base_is_refused(self):
        with self.assertRaisesMessage(CommandError, "已有信息管理员 alice"):
            self.run_command("zhang", "--role", "officer", "--base", "A001")

    def test_weak_password_is_refused(self):
        with self.assertRaisesMessage(CommandError, "密码"):
            self.run_command("wang", "--role", "province", "--password-stdin", stdin="123\n")
        self.assertFalse(User.objects.filter(username="wang").exists())

    def test_reserved_usernames_are_refused(self):
        for name in ("admin", "root", "test"):
            with self.subTest(name=name), self.assertRaisesMessage(CommandError, "保留名称"):
                self.run_command(name, "--role", "province")

    def test_updates_an_existing_account(self):
        output = self.run_command("pat", "--role", "audit")
        self.assertIn("已更新账号 pat", output)
        self.pat.refresh_from_db()
        self.assertEqual(self.pat.role, Role.AUDIT)


class LoginPagesTests(BaseTestCase):
    def test_login_page_is_chinese_and_logs_in(self):
        response = self.client.get("/accounts/login/")
        self.assertContains(response, "用户名")
        response = self.client.post("/accounts/login/",
                                    {"username": "alice", "password": PASSWORD})
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_wrong_password_shows_a_chinese_message(self):
        response = self.client.post("/accounts/login/", {"username": "alice", "password": "x"})
        self.assertContains(response, "请输入一个正确的")

    def test_password_change_clears_the_must_change_flag(self):
        self.alice.must_change_password = True
        self.alice.save()
        self.password_login(self.client, "alice")
        response = self.client.post("/accounts/password/", {
            "old_password": PASSWORD, "new_password1": "Another-Good-Pass-9",
            "new_password2": "Another-Good-Pass-9"})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.must_change_password)
        self.assertIsNotNone(self.alice.password_changed_at)

    def test_logout_ends_the_session_server_side(self):
        self.password_login(self.client, "alice")
        key = self.client.cookies["sessionid"].value
        self.client.post("/accounts/logout/")
        self.assertFalse(Session.objects.filter(session_key=key).exists())


class BaseRegistryAdminTests(BaseTestCase):
    def test_registry_exports_as_xlsx_with_the_bases_sheet_columns(self):
        from openpyxl import load_workbook

        from bases.admin import BaseResource

        data = BaseResource().export().export("xlsx")
        sheet = load_workbook(io.BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0], ("code", "name", "city", "county", "batch"))
        self.assertIn(("A001", "长沙科技新城", "长沙市", "岳麓区", 1), rows)

    def test_registry_import_creates_and_updates_bases_by_code(self):
        import tablib

        from bases.admin import BaseResource
        from bases.models import Base

        dataset = tablib.Dataset(headers=["code", "name", "city", "county", "batch"])
        dataset.append(["A001", "长沙科技新城（更名）", "长沙市", "岳麓区", 1])
        dataset.append(["C001", "湘潭新基地", "湘潭市", "雨湖区", 3])
        result = BaseResource().import_data(dataset, dry_run=False, raise_errors=True)
        self.assertFalse(result.has_errors())
        self.assertEqual(Base.objects.get(code="A001").name, "长沙科技新城（更名）")
        self.assertEqual(Base.objects.get(code="C001").city.name, "湘潭市")

    def test_province_admin_reaches_the_import_and_export_pages(self):
        self.login(self.pat)
        self.assertEqual(self.client.get("/admin/bases/base/import/").status_code, 200)
        self.assertEqual(self.client.get("/admin/bases/base/export/").status_code, 200)
        self.login(self.sam)
        self.assertEqual(self.client.get("/admin/bases/base/import/").status_code, 403)


class AccountAdminTests(BaseTestCase):
    """The security admin's account pages (issue 14): own role and scope locked, admin-role
    grants audited on their own, passwords set there changed by their owner first."""

    NEW = "Jade-River-2024"

    def account_form(self, user: User, **overrides) -> dict[str, object]:
        data = {"username": user.username, "last_name": "", "first_name": "", "email": "",
                "role": user.role, "base": user.base_id or "", "city": user.city_id or "",
                "is_active": "on"}
        data.update(overrides)
        return data

    def add_account(self, username: str, role: str, **scope):
        return self.client.post("/admin/bases/user/add/", {
            "username": username, "password1": self.NEW, "password2": self.NEW,
            "role": role, **scope})

    def test_security_admin_cannot_change_own_role_scope_or_privileges(self):
        from tests.base import sign_in

        sign_in(self.client, self.sam)
        url = f"/admin/bases/user/{self.sam.pk}/change/"
        for overrides in ({"role": "province"}, {"role": "audit"},
                          {"role": "city", "city": self.changsha.pk}):
            with self.subTest(overrides=overrides):
                response = self.client.post(url, self.account_form(
                    self.sam, is_superuser="on", is_staff="on", **overrides))
                self.assertContains(response, "不能修改本人账号的角色")
        self.sam.refresh_from_db()
        self.assertEqual((self.sam.role, self.sam.city, self.sam.is_superuser),
                         (Role.SECURITY, None, False))
        self.assertEqual(AuditEvent.objects.filter(event="account_change_denied",
                                                   outcome="denied").count(), 3)
        self.assertEqual(self.client.get("/province/").status_code, 404)
        # The rest of one's own account may change; privileges posted alongside do not.
        response = self.client.post(url, self.account_form(self.sam, email="sam@hn.gov.cn",
                                                           is_superuser="on"))
        self.assertEqual(response.status_code, 302)
        self.sam.refresh_from_db()
        self.assertEqual((self.sam.email, self.sam.is_superuser), ("sam@hn.gov.cn", False))

    def test_granting_an_admin_role_is_audited_as_its_own_event(self):
        from tests.base import sign_in

        sign_in(self.client, self.sam)
        self.assertEqual(self.add_account("zhou", "audit").status_code, 302)
        self.client.post(f"/admin/bases/user/{self.carol.pk}/change/",
                         self.account_form(self.carol, role="province", city=""))
        self.client.post(f"/admin/bases/user/{self.bob.pk}/change/",
                         self.account_form(self.bob, email="bob@hn.gov.cn"))
        call_command("create_account", "wang", "--role", "security", stdout=io.StringIO())
        grants = AuditEvent.objects.filter(event="role_granted").order_by("id")
        self.assertEqual([(g.object_repr, g.actor_username) for g in grants],
                         [("user:zhou", "sam"), ("user:carol", "sam"), ("user:wang", "")])
        self.assertEqual([g.detail.split("（")[0] for g in grants],
                         ["授予角色：审计管理员", "授予角色：省级管理员", "授予角色：安全管理员"])
        self.assertIn("原角色：市州查看员", grants[1].detail)
        self.assertTrue(AuditEvent.objects.filter(event="account_changed",
                                                  object_repr="user:carol").exists())

    def test_accounts_created_in_the_admin_change_their_password_at_first_login(self):
        from tests.base import sign_in

        sign_in(self.client, self.sam)
        self.add_account("zhou", "city", city=self.changsha.pk)
        self.assertTrue(User.objects.get(username="zhou").must_change_password)
        client = self.client_class()
        self.password_login(client, "zhou", self.NEW)
        self.assertRedirects(client.get("/bases/"), "/accounts/password/")

    def test_the_admin_sites_password_page_is_the_portals_audited_one(self):
        from tests.base import sign_in

        sign_in(self.client, self.sam)
        self.assertRedirects(self.client.get("/admin/password_change/"), "/accounts/password/")

    def test_a_password_set_by_the_security_admin_must_be_changed_and_is_audited(self):
        from tests.base import sign_in

        sign_in(self.client, self.sam)
        response = self.client.post(f"/admin/bases/user/{self.carol.pk}/password/", {
            "password1": self.NEW, "password2": self.NEW, "usable_password": "true"})
        self.assertEqual(response.status_code, 302)
        self.carol.refresh_from_db()
        self.assertTrue(self.carol.check_password(self.NEW))
        self.assertTrue(self.carol.must_change_password)
        event = AuditEvent.objects.get(event="password_reset")
        self.assertEqual((event.actor_username, event.object_repr), ("sam", "user:carol"))


class UsernameRuleTests(BaseTestCase):
    """One rule for user names on every path that makes accounts (issue 14)."""

    REFUSED = {
        "li si": "不能包含空格",
        "x<script>": "不能包含空格或",
        "o'neil": "不能包含空格或",
        "ａｌｉｃｅ": "全角",
        "p\u0430t": "西里尔字母“\u0430”",        # Cyrillic а in "pat"
        "\u03a1eter": "希腊字母“\u03a1”",        # Greek capital rho
        "zero\u200bwidth": "U+200B",
        "li\u00b7si": "U+00B7",
        "admin": "保留名称",
    }

    def test_bad_names_are_refused_by_the_command_the_admin_and_the_handover(self):
        from tests.base import sign_in

        admin_client, province_client = self.client_class(), self.client_class()
        sign_in(admin_client, self.sam)
        sign_in(province_client, self.pat)
        for name, message in self.REFUSED.items():
            with self.subTest(name=name):
                with self.assertRaisesMessage(CommandError, message):
                    call_command("create_account", name, "--role", "audit",
                                 stdout=io.StringIO())
                response = admin_client.post("/admin/bases/user/add/", {
                    "username": name, "password1": "Jade-River-2024",
                    "password2": "Jade-River-2024", "role": "audit"})
                self.assertContains(response, message)
                self.assertContains(response, "用户名")
                response = province_client.post("/bases/A001/handover/", {
                    "username": name, "initial_password": "Jade-River-2024", "note": ""})
                self.assertContains(response, message)
                self.assertFalse(User.objects.filter(username=name).exists())
                refusals = AuditEvent.objects.filter(event="account_refused",
                                                     object_repr=f"user:{name}")
                self.assertEqual(sorted(refusals.values_list("actor_username", flat=True)),
                                 ["", "pat", "sam"])
        self.assertFalse(Handover.objects.exists())

    def test_djangos_createsuperuser_applies_the_same_rule(self):
        for name, message in self.REFUSED.items():
            with self.subTest(name=name), self.assertRaisesMessage(CommandError, message), \
                    mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}):
                call_command("createsuperuser", "--noinput", username=name,
                             email="root@example.org", stdout=io.StringIO())
            self.assertFalse(User.objects.filter(username=name).exists())

    def test_latin_digits_symbols_and_chinese_names_are_accepted(self):
        for name in ("张三", "li.si_2024@hn+x-y", "王wang5"):
            with self.subTest(name=name):
                call_command("create_account", name, "--role", "audit", stdout=io.StringIO())
                self.assertTrue(User.objects.filter(username=name).exists())
