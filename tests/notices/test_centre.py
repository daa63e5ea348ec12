"""The message centre (站内消息): everyone sees and marks only their own notices; the
unread count in every page's header; the notice settings page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.models import AuditEvent, User
from bases.notices.models import Channel, Kind, Notice, NoticePreference
from bases.notices.services import notify, wants
from tests.notices.base import NoticeTestCase


class CentreTestCase(NoticeTestCase):
    def setUp(self) -> None:
        self.mine = notify(recipients=[self.alice], kind=Kind.APPROVED, title="报表已审核通过",
                           body="第一行", link="/bases/A001/reports/2018/")[0]
        self.older = notify(recipients=[self.alice], kind=Kind.EXTENSION, title="已延期")[0]
        self.bobs = notify(recipients=[self.bob], kind=Kind.RETURNED, title="鲍勃的退回")[0]


class MessageListTests(CentreTestCase):
    def test_the_list_shows_only_the_user_s_own_notices(self):
        self.login(self.alice)
        page = self.client.get("/notices/")
        self.assertContains(page, "报表已审核通过")
        self.assertContains(page, "已延期")
        self.assertNotContains(page, "鲍勃的退回")
        self.assertContains(page, f'href="/notices/{self.mine.pk}/"')

    def test_opening_a_notice_marks_it_read_and_goes_to_its_page(self):
        self.login(self.alice)
        response = self.client.get(f"/notices/{self.mine.pk}/")
        self.assertRedirects(response, "/bases/A001/reports/2018/", fetch_redirect_response=False)
        self.mine.refresh_from_db()
        self.assertIsNotNone(self.mine.read_at)

    def test_a_notice_without_a_page_opens_the_list(self):
        self.login(self.alice)
        self.assertRedirects(self.client.get(f"/notices/{self.older.pk}/"), "/notices/",
                             fetch_redirect_response=False)

    def test_another_user_s_notice_is_404_to_open_and_to_mark(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(f"/notices/{self.bobs.pk}/").status_code, 404)
        self.assertEqual(self.client.post(f"/notices/{self.bobs.pk}/read/").status_code, 404)
        self.assertEqual(self.client.get("/notices/999999/").status_code, 404)
        self.bobs.refresh_from_db()
        self.assertIsNone(self.bobs.read_at)

    def test_mark_one_read_then_only_unread_lists_the_rest(self):
        self.login(self.alice)
        self.assertRedirects(self.client.post(f"/notices/{self.mine.pk}/read/"), "/notices/",
                             fetch_redirect_response=False)
        unread = self.client.get("/notices/?unread=1")
        self.assertNotContains(unread, "报表已审核通过")
        self.assertContains(unread, "已延期")

    def test_marking_read_needs_a_post(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(f"/notices/{self.mine.pk}/read/").status_code, 405)
        self.assertEqual(self.client.get("/notices/read-all/").status_code, 405)

    def test_mark_all_read_touches_only_the_user_s_notices(self):
        self.login(self.alice)
        self.client.post("/notices/read-all/")
        self.assertFalse(Notice.objects.filter(recipient=self.alice, read_at__isnull=True)
                         .exists())
        self.bobs.refresh_from_db()
        self.assertIsNone(self.bobs.read_at)

    def test_the_list_needs_a_login(self):
        response = self.client.get("/notices/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response.url)


class UnreadCountTests(CentreTestCase):
    def header(self, url: str = "/bases/A001/") -> str:
        page = self.client.get(url).content.decode()
        return page[page.index('class="user-box"'):page.index("</header>")]

    def test_the_header_of_every_page_shows_the_unread_count(self):
        self.login(self.alice)
        self.assertIn('title="未读消息">2</span>', self.header())
        self.client.post(f"/notices/{self.mine.pk}/read/")
        self.assertIn('title="未读消息">1</span>', self.header("/notices/settings/"))
        self.client.post("/notices/read-all/")
        self.assertNotIn("未读消息", self.header())
        self.assertIn('href="/notices/"', self.header())

    def test_the_count_costs_one_query(self):
        self.login(self.alice)
        self.client.get("/bases/A001/")
        with CaptureQueriesContext(connection) as context:
            self.client.get("/bases/A001/")
        counts = [q["sql"] for q in context.captured_queries if "bases_notice" in q["sql"]]
        self.assertEqual(len(counts), 1)
        self.assertIn("COUNT", counts[0].upper())


class SettingsTests(CentreTestCase):
    def test_a_user_sets_their_own_email_mobile_and_choices(self):
        self.login(self.bob)
        response = self.client.post("/notices/settings/", {
            "email": "bob.new@example.cn", "mobile": "13912345678",
            "email_approved": "on", "sms_returned": "on"})
        self.assertRedirects(response, "/notices/settings/")
        bob = User.objects.get(pk=self.bob.pk)
        self.assertEqual((bob.email, bob.mobile), ("bob.new@example.cn", "13912345678"))
        self.assertFalse(wants(bob, Kind.RETURNED, Channel.EMAIL))
        self.assertTrue(wants(bob, Kind.APPROVED, Channel.EMAIL))
        self.assertTrue(wants(bob, Kind.RETURNED, Channel.SMS))
        self.assertTrue(AuditEvent.objects.filter(event="notice_settings_changed",
                                                  detail__contains="email").exists())

    def test_an_officer_cannot_switch_reminders_off(self):
        self.login(self.alice)
        page = self.client.get("/notices/settings/")
        self.assertContains(page, "信息管理员须接收，不能关闭")
        self.client.post("/notices/settings/", {"email": "alice@example.cn"})
        self.assertTrue(wants(self.alice, Kind.REMINDER, Channel.EMAIL))
        self.assertTrue(wants(self.alice, Kind.REMINDER, Channel.SMS))
        self.assertFalse(NoticePreference.objects.filter(user=self.alice, kind=Kind.REMINDER,
                                                         enabled=False).exists())

    def test_the_province_chooses_the_digest(self):
        self.login(self.pat)
        self.assertContains(self.client.get("/notices/settings/"), "每日提交汇总")
        self.client.post("/notices/settings/", {"email": "pat@example.cn"})
        self.assertFalse(wants(self.pat, Kind.SUBMITTED_DIGEST, Channel.EMAIL))

    def test_a_bad_mobile_or_email_is_refused_by_field_and_nothing_saved(self):
        self.login(self.alice)
        response = self.client.post("/notices/settings/", {"email": "not-an-address",
                                                           "mobile": "12345", "sms_approved": "on"})
        self.assertContains(response, "手机号码：手机号码须为11位数字，以1开头", status_code=400)
        self.assertContains(response, "电子邮箱：", status_code=400)
        alice = User.objects.get(pk=self.alice.pk)
        self.assertEqual((alice.email, alice.mobile), ("alice@example.cn", "13800000001"))
        self.assertFalse(NoticePreference.objects.exists())

    def test_the_security_admin_sets_an_account_s_email_and_mobile(self):
        self.login(self.sam)
        url = f"/admin/bases/user/{self.bob.pk}/change/"
        self.assertContains(self.client.get(url), 'name="mobile"')
        form = {"username": "bob", "last_name": "", "first_name": "", "role": "officer",
                "base": self.base_b.pk, "city": "", "is_active": "on"}
        refused = self.client.post(url, {**form, "email": "bob@hn.gov.cn", "mobile": "1391234"})
        self.assertContains(refused, "手机号码须为11位数字")
        response = self.client.post(url, {**form, "email": "bob@hn.gov.cn",
                                          "mobile": "13912345678"})
        self.assertEqual(response.status_code, 302)
        bob = User.objects.get(pk=self.bob.pk)
        self.assertEqual((bob.email, bob.mobile), ("bob@hn.gov.cn", "13912345678"))
