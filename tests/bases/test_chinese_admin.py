"""Issues 16.7 and 16.8: the admin and the password page speak Chinese, even to a browser
that asks for English (LocaleMiddleware follows Accept-Language)."""

from __future__ import annotations

import re

from axes.models import AccessAttempt

from bases.models import AuditEvent
from tests.base import PASSWORD, BaseTestCase

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
#: Words that are not English prose: user names of the personas, abbreviations.
NOT_ENGLISH = {"alice", "audrey", "bob", "carol", "charlie", "pat", "sam", "rita", "rex",
               "test", "IP",
               "rsaquo", "nbsp", "Excel"}
ADMIN_PAGES = ["/admin/", "/admin/bases/user/", "/admin/bases/user/add/",
               "/admin/axes/accessattempt/", "/admin/otp_totp/totpdevice/"]


def english_words(html: str) -> set[str]:
    """Latin words a reader sees (scripts, styles, tags and attributes left out)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>|&\w+;", " ", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - NOT_ENGLISH


class ChineseAdminTests(BaseTestCase):
    def setUp(self) -> None:
        AccessAttempt.objects.create(username="bob", ip_address="10.0.0.9",
                                     failures_since_start=5, user_agent="x", get_data="",
                                     post_data="", http_accept="", path_info="/")

    def test_every_admin_page_of_the_security_admin_is_in_chinese(self):
        self.login(self.sam)
        for url in ADMIN_PAGES:
            with self.subTest(url=url):
                page = self.client.get(url, **ENGLISH_BROWSER)

                self.assertEqual(page.status_code, 200)
                self.assertEqual(english_words(page.content.decode()), set())
                self.assertContains(page, "湖南省创业创新基地信息报送平台 · 管理后台")

    def test_lockout_list_names_its_columns_and_unlocking_says_so(self):
        self.login(self.sam)
        page = self.client.get("/admin/axes/accessattempt/").content.decode()
        for heading in ("用户名", "来源IP", "连续失败次数", "最近尝试时间", "登录锁定"):
            self.assertIn(heading, page)

        attempt = AccessAttempt.objects.get()
        response = self.client.post("/admin/axes/accessattempt/", {
            "action": "unlock", "_selected_action": [attempt.pk]}, follow=True)

        self.assertContains(response, "已解锁 1 个账号：bob。")
        self.assertFalse(AccessAttempt.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(event="account_unlocked").exists())


class ChinesePasswordMessagesTests(BaseTestCase):
    def test_every_password_rule_refuses_in_chinese(self):
        self.login(self.alice)

        response = self.client.post("/accounts/password/", {
            "old_password": PASSWORD, "new_password1": "alice", "new_password2": "alice"},
            **ENGLISH_BROWSER)

        page = response.content.decode()
        self.assertIn("密码太短，至少需要10个字符。", page)
        self.assertIn("密码至少需要10个字符。", page)
        self.assertEqual(english_words(page), set())
