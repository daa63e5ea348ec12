"""Notices by e-mail through a real SMTP server: recipients, subject, link, footer; an SMTP
server that refuses or is down is retried and logged, and the page that caused it is fine."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

from bases.notices import tasks
from bases.notices.models import Channel, Kind, Notice, NoticePreference
from bases.notices.services import RETRIES, notify
from bases.notices.tasks import render_email
from reporting.models import Report, Status
from tests.notices.base import URL, NoticeTestCase
from tests.notices.smtp import free_port, smtp_server, smtp_settings, subject, text_and_html


@contextmanager
def broker_configured():
    """As on a deployment with a broker: tasks are queued, not run here."""
    conf = tasks.send_notice_email.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False
    try:
        yield
    finally:
        conf.task_always_eager = eager


LINK = "https://portal.example.gov.cn/bases/A001/reports/2018/"


class ReportEmailTests(NoticeTestCase):
    def setUp(self) -> None:
        self.submit()

    def test_returned_report_emails_its_officer_the_subject_link_and_comment(self):
        with smtp_server() as box:
            response = self.review("return", comment="请核实建筑面积")
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        self.assertEqual(len(box.messages), 1)
        message = box.to("alice@example.cn")[0]
        self.assertEqual(subject(message),
                         "【湖南省创业创新基地信息报送平台】2018年度报表被退回，请修改后重新提交")
        text, html = text_and_html(message)
        self.assertIn(f"查看详情：{LINK}", text)
        self.assertIn("请核实建筑面积", text)
        self.assertIn("平台地址：https://portal.example.gov.cn/", text)
        self.assertIn(f'href="{LINK}"', html)
        self.assertEqual(box.to("bob@example.cn"), [])

    def test_approval_and_reopening_each_email_the_officer(self):
        with smtp_server() as box:
            self.review("approve")
            self.review("reopen", comment="数据有误需更正")
        subjects = [subject(m) for m in box.to("alice@example.cn")]
        self.assertEqual(subjects, [
            "【湖南省创业创新基地信息报送平台】2018年度报表已审核通过",
            "【湖南省创业创新基地信息报送平台】2018年度报表已被重新打开，请修改后重新提交"])
        self.assertIn("数据有误需更正", text_and_html(box.messages[1])[0])

    def test_an_officer_who_switched_email_off_gets_the_notice_in_the_portal_only(self):
        NoticePreference.objects.create(user=self.alice, kind=Kind.APPROVED,
                                        channel=Channel.EMAIL, enabled=False)
        with smtp_server() as box:
            self.review("approve")
        self.assertEqual(box.messages, [])
        self.assertTrue(Notice.objects.filter(recipient=self.alice, kind=Kind.APPROVED).exists())

    def test_an_account_without_an_address_gets_no_email(self):
        self.alice.email = ""
        self.alice.save()
        with smtp_server() as box:
            self.review("approve")
        self.assertEqual(box.attempts, 0)
        self.assertEqual(Notice.objects.filter(recipient=self.alice).count(), 1)


class FailingSmtpTests(NoticeTestCase):
    def setUp(self) -> None:
        self.submit()

    def assert_page_fine_and_notice_kept(self, response) -> None:
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        self.assertEqual(Report.objects.get().status, Status.RETURNED)
        self.assertTrue(Notice.objects.filter(recipient=self.alice, kind=Kind.RETURNED).exists())

    def test_a_refusing_server_is_retried_by_the_task_and_logged_and_the_page_is_fine(self):
        with smtp_server(refuse="451 4.3.0 try again later") as box, \
                self.assertLogs("bases.notices", "WARNING") as logs:
            response = self.review("return", comment="请补充")
        self.assert_page_fine_and_notice_kept(response)
        self.assertEqual(box.attempts, RETRIES + 1)
        self.assertEqual(box.messages, [])
        failures = [line for line in logs.output if "邮件发送失败" in line]
        self.assertEqual(len(failures), RETRIES + 1)
        self.assertIn("alice@example.cn", failures[0])
        self.assertTrue(any(f"经 {RETRIES + 1} 次尝试仍未发出" in line for line in logs.output))

    def test_a_server_that_is_down_is_retried_and_logged_and_the_page_is_fine(self):
        with smtp_settings(free_port()), self.assertLogs("bases.notices", "WARNING") as logs:
            response = self.review("return", comment="请补充")
        self.assert_page_fine_and_notice_kept(response)
        failures = [line for line in logs.output if "邮件发送失败" in line]
        self.assertEqual(len(failures), RETRIES + 1)
        self.assertIn("ConnectionRefusedError", failures[-1])

    def test_a_server_that_recovers_gets_the_email_on_a_retry(self):
        with smtp_server(refuse="451 4.3.0 try again later") as box:
            real_send = tasks.EmailMultiAlternatives.send

            def refused_once(message, *args, **kwargs):
                if box.attempts >= 1:
                    box.refuse = ""
                return real_send(message, *args, **kwargs)

            with mock.patch.object(tasks.EmailMultiAlternatives, "send", refused_once), \
                    self.assertLogs("bases.notices", "INFO"):
                self.review("return", comment="请补充")
        self.assertEqual(box.attempts, 2)
        self.assertEqual(len(box.to("alice@example.cn")), 1)

    def test_with_a_broker_the_email_is_queued_and_an_unreachable_broker_is_logged(self):
        with broker_configured(), mock.patch.object(tasks.send_notice_email, "delay",
                                  side_effect=OSError("broker down")) as delay, \
                mock.patch.object(tasks.send_notice_sms, "delay") as sms, \
                self.assertLogs("bases.notices", "ERROR") as logs:
            response = self.review("return", comment="请补充")
        self.assert_page_fine_and_notice_kept(response)
        notice = Notice.objects.get(recipient=self.alice)
        delay.assert_called_once_with(notice.pk)
        sms.assert_not_called()  # SMS: reminders only, by default
        self.assertIn("未能发出", logs.output[0])


class EmailTextTests(NoticeTestCase):
    def test_subject_and_plain_text_keep_names_as_written(self):
        [notice] = notify(recipients=[self.alice], kind=Kind.HANDOVER,
                          title="您已成为A&B“园区”的信息管理员", body="<园区> & 孵化器")
        message = render_email(notice)
        self.assertEqual(message.subject,
                         "【湖南省创业创新基地信息报送平台】您已成为A&B“园区”的信息管理员")
        self.assertIn("<园区> & 孵化器", message.body)
        self.assertIn("&lt;园区&gt; &amp; 孵化器", message.alternatives[0][0])
