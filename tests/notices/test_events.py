"""Which events notify whom: extension, handover, the province's daily digest, city review
(for two-level review); and EMAIL_URL as Django's e-mail settings."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.conf import settings
from django.utils import timezone

from bases.models import Role
from bases.notices.models import Kind, Notice
from portal.env import ImproperlyConfiguredEnv, email_from_url
from reporting import notices
from reporting.models import Round, Transition
from tests.base import BaseTestCase
from tests.notices.base import NoticeTestCase
from tests.notices.smtp import smtp_server, subject


def notices_of(user) -> list[tuple[str, str]]:
    return list(Notice.objects.filter(recipient=user).order_by("id").values_list("kind", "title"))


class EventTests(NoticeTestCase):
    def test_an_extension_granted_on_the_rounds_page_tells_the_base_s_officer(self):
        self.login(self.pat)
        with smtp_server() as box, self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                                          "deadline": "2100-01-15"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(notices_of(self.alice),
                         [(Kind.EXTENSION, "2018年度报送已延期至2100年01月15日")])
        self.assertEqual(notices_of(self.bob), [])
        self.assertEqual(subject(box.to("alice@example.cn")[0]),
                         "【湖南省创业创新基地信息报送平台】2018年度报送已延期至2100年01月15日")

    def test_a_handover_tells_the_new_and_the_old_officer(self):
        self.login(self.pat)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/bases/A001/handover/", {
                "username": "dave", "initial_password": "Dave-Strong-Pass-42", "note": ""})
        self.assertRedirects(response, "/bases/A001/", fetch_redirect_response=False)
        dave = self.base_a.officers.get(role=Role.OFFICER)
        self.assertEqual(notices_of(dave), [(Kind.HANDOVER, "您已成为长沙科技新城的信息管理员")])
        self.assertEqual(Notice.objects.get(recipient=dave).link, "/bases/A001/")
        self.assertEqual(notices_of(self.alice), [(Kind.HANDOVER, "长沙科技新城已完成交接")])

    def test_a_refused_event_notifies_nobody(self):
        self.login(self.pat)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                               "deadline": "2000-01-01"})
        self.assertFalse(Notice.objects.exists())

    def test_a_failing_notice_never_breaks_the_page(self):
        self.submit()
        with mock.patch("reporting.notices.notify", side_effect=RuntimeError("boom")), \
                self.assertLogs("bases.notices", "ERROR") as logs:
            response = self.review("approve")
        self.assertEqual(response.status_code, 302)
        self.assertIn("通知未能生成：report_approved", logs.output[0])

    def test_city_reviewers_of_the_base_s_city_are_told_of_a_report_awaiting_them(self):
        Round.objects.filter(pk=self.round.pk).update(
            review_levels=2, city_review_deadline=self.round.deadline)
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        self.assertEqual(notices_of(self.rita),
                         [(Kind.AWAITING_CITY_REVIEW, "长沙科技新城的2018年度报表待市州审核")])
        notice = Notice.objects.get(recipient=self.rita)
        self.assertEqual(notice.link, "/bases/A001/reports/2018/review/")
        # Not the other city's reviewer, and not the city viewer, who only reads.
        self.assertEqual(notices_of(self.rex), [])
        self.assertEqual(notices_of(self.carol), [])

    def test_a_one_level_submission_tells_no_city_reviewer(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        self.assertEqual(notices_of(self.rita), [])


class DigestTests(NoticeTestCase):
    def test_province_admins_get_one_digest_of_the_day_s_submissions(self):
        self.submit()
        self.submit(self.base_b, self.bob)
        today = timezone.localdate()
        with smtp_server() as box, self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(notices.submission_digest(today), 2)
            notices.submission_digest(today)  # a second run, or a second beat host
        [(kind, title)] = notices_of(self.pat)
        self.assertEqual(title, f"{today:%Y年%m月%d日}共提交报表 2 份，待审核")
        body = Notice.objects.get(recipient=self.pat).body
        self.assertIn("长沙科技新城（A001）2018年度", body)
        self.assertIn("株洲创业园（B001）2018年度", body)
        self.assertEqual(len(box.to("pat@example.cn")), 1)
        self.assertEqual(notices_of(self.alice), [])

    def test_no_digest_for_a_day_without_submissions(self):
        self.submit()
        Transition.objects.filter(action=Transition.Action.SUBMIT).update(
            at=timezone.now() - dt.timedelta(days=3))
        self.assertEqual(notices.submission_digest(timezone.localdate()), 0)
        self.assertFalse(Notice.objects.exists())

    def test_the_beat_task_sends_yesterday_s_digest(self):
        self.submit()
        Transition.objects.filter(action=Transition.Action.SUBMIT).update(
            at=timezone.now() - dt.timedelta(days=1))
        self.assertEqual(notices.send_submission_digest.delay().get(), 1)
        entry = settings.CELERY_BEAT_SCHEDULE["notices-submission-digest"]
        self.assertEqual(entry["task"], notices.send_submission_digest.name)
        self.assertEqual((entry["schedule"].hour, entry["schedule"].minute), ({9}, {0}))


class EmailUrlTests(BaseTestCase):
    def test_smtp_urls_become_django_settings(self):
        self.assertEqual(email_from_url("smtp+tls://noreply%40hn.gov.cn:p%3Ass@mail.hn.gov.cn"), {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "mail.hn.gov.cn", "EMAIL_PORT": 587,
            "EMAIL_HOST_USER": "noreply@hn.gov.cn", "EMAIL_HOST_PASSWORD": "p:ss",
            "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False})
        ssl = email_from_url("smtp+ssl://u:p@mail.example.cn")
        self.assertEqual((ssl["EMAIL_PORT"], ssl["EMAIL_USE_SSL"]), (465, True))
        plain = email_from_url("smtp://relay:2525")
        self.assertEqual((plain["EMAIL_HOST"], plain["EMAIL_PORT"], plain["EMAIL_HOST_USER"]),
                         ("relay", 2525, ""))

    def test_console_and_empty(self):
        self.assertIn("console", email_from_url("console://")["EMAIL_BACKEND"])
        self.assertIn("dummy", email_from_url("")["EMAIL_BACKEND"])

    def test_a_bad_url_is_refused_with_the_variable_named(self):
        for bad in ("http://mail.example.cn", "smtp://", "smtp://host:notaport"):
            with self.assertRaisesMessage(ImproperlyConfiguredEnv, "EMAIL_URL"):
                email_from_url(bad)
