"""Deadline reminders: 7, 3 and 1 days before a base's own deadline (extensions respected)
and the day after it, to officers of bases that have not submitted; never twice for the
same base, day and kind; the beat task and `send_reminders` by hand."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bases.models import Base
from bases.notices.models import Channel, Kind, Notice, NoticePreference, SentReminder
from bases.notices.sms import LocmemSmsBackend
from portal.celery import app
from reporting import notices
from reporting.models import Extension
from tests.notices.base import NoticeTestCase
from tests.notices.smtp import smtp_server, subject

DEADLINE = dt.date(2018, 6, 30)


def days(n: int) -> dt.date:
    return DEADLINE + dt.timedelta(days=n)


class ReminderTestCase(NoticeTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round.deadline = DEADLINE
        cls.round.save()

    def send(self, day: dt.date) -> list[notices.Reminder]:
        with self.captureOnCommitCallbacks(execute=True):
            return notices.send_deadline_reminders_on(day)

    def told(self, day: dt.date) -> set[str]:
        return {f"{r.base.code}:{r.kind}" for r in self.send(day) if r.sent}


class WhoIsRemindedTests(ReminderTestCase):
    def test_officers_are_reminded_7_3_and_1_days_before_and_the_day_after(self):
        self.assertEqual(self.told(days(-7)), {"A001:before_7", "B001:before_7"})
        self.assertEqual(self.told(days(-3)), {"A001:before_3", "B001:before_3"})
        self.assertEqual(self.told(days(-1)), {"A001:before_1", "B001:before_1"})
        self.assertEqual(self.told(days(1)), {"A001:overdue_1", "B001:overdue_1"})
        for quiet in (-8, -6, -2, 0, 2, 7):
            self.assertEqual(self.told(days(quiet)), set(), quiet)
        self.assertEqual(Notice.objects.filter(recipient=self.alice, kind=Kind.REMINDER).count(),
                         4)

    def test_an_extension_moves_the_base_s_reminders_to_its_own_deadline(self):
        Extension.objects.create(round=self.round, base=self.base_b, deadline=days(10))
        self.assertEqual(self.told(days(-7)), {"A001:before_7"})
        self.assertEqual(self.told(days(3)), {"B001:before_7"})
        self.assertEqual(self.told(days(11)), {"B001:overdue_1"})

    def test_a_submitted_base_is_not_reminded_but_a_draft_is(self):
        self.submit(today=days(-5))
        self.draft(self.base_b, self.bob)
        self.assertEqual(self.told(days(-1)), {"B001:before_1"})

    def test_closed_rounds_unopened_rounds_and_delisted_bases_get_nothing(self):
        Base.objects.filter(pk=self.base_b.pk).update(status=Base.Status.DELISTED,
                                                      delisted_on=days(-30))
        self.round.opens_on = days(-2)
        self.round.save()
        self.assertEqual(self.told(days(-3)), set())
        self.assertEqual(self.told(days(-1)), {"A001:before_1"})
        self.round.closed_at = dt.datetime(2018, 6, 1, tzinfo=dt.UTC)
        self.round.save()
        self.assertEqual(self.told(days(1)), set())

    def test_reminders_cannot_be_switched_off_by_an_officer(self):
        NoticePreference.objects.create(user=self.alice, kind=Kind.REMINDER,
                                        channel=Channel.EMAIL, enabled=False)
        with smtp_server() as box:
            self.send(days(-3))
        self.assertEqual(len(box.to("alice@example.cn")), 1)

    def test_reminders_reach_the_officer_s_phone(self):
        LocmemSmsBackend.outbox.clear()
        with override_settings(SMS_BACKEND="bases.notices.sms.LocmemSmsBackend"):
            self.send(days(-1))
        [(phone, text)] = LocmemSmsBackend.outbox
        self.assertEqual(phone, "13800000001")
        self.assertIn("2018年度报表将于1天后截止", text)
        self.assertIn("/bases/A001/reports/2018/", text)

    def test_the_number_of_queries_does_not_grow_with_the_bases(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as context:
                notices.due_reminders(days(-7))
            return len(context.captured_queries)

        few = queries()
        Base.objects.bulk_create(Base(code=f"C{i:03}", name=f"基地{i}", city=self.changsha)
                                 for i in range(30))
        self.assertEqual(queries(), few)
        self.assertEqual(len(notices.due_reminders(days(-7))), 32)


class NothingTwiceTests(ReminderTestCase):
    def test_a_second_run_on_the_same_day_sends_nothing(self):
        with smtp_server() as box:
            self.send(days(-7))
            again = self.send(days(-7))
        self.assertEqual(sorted(m["X-Envelope-To"] for m in box.messages),
                         ["alice@example.cn", "bob@example.cn"])
        self.assertEqual(subject(box.to("alice@example.cn")[0]),
                         "【湖南省创业创新基地信息报送平台】2018年度报表将于7天后截止，请按时提交")
        self.assertFalse(any(r.sent for r in again))
        self.assertEqual(SentReminder.objects.count(), 2)
        self.assertEqual(Notice.objects.filter(kind=Kind.REMINDER).count(), 2)

    def test_a_reminder_recorded_by_another_host_is_not_sent_again(self):
        SentReminder.objects.create(base=self.base_a, year=2018, kind="before_7", day=days(-7),
                                    deadline=DEADLINE)
        self.assertEqual(self.told(days(-7)), {"B001:before_7"})
        self.assertFalse(Notice.objects.filter(recipient=self.alice).exists())

    def test_the_beat_task_runs_daily_at_nine_shanghai_time(self):
        entry = settings.CELERY_BEAT_SCHEDULE["notices-deadline-reminders"]
        self.assertEqual(entry["task"], "reporting.notices.send_deadline_reminders")
        self.assertEqual((entry["schedule"].hour, entry["schedule"].minute), ({9}, {0}))
        self.assertEqual(settings.CELERY_TIMEZONE, "Asia/Shanghai")
        task = app.tasks[entry["task"]]
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(task.delay(days(-3).isoformat()).get(), 2)
            self.assertEqual(task.delay(days(-3).isoformat()).get(), 0)


class CommandTests(ReminderTestCase):
    def run_command(self, *args: str) -> str:
        out = StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("send_reminders", *args, stdout=out)
        return out.getvalue()

    def test_dry_run_prints_who_would_be_told_and_sends_nothing(self):
        with smtp_server() as box:
            output = self.run_command("--date", days(-1).isoformat(), "--dry-run")
        self.assertIn("2018年度 长沙科技新城（A001）截止 2018-06-30 · 截止前1天 → "
                      "alice <alice@example.cn> 将提醒", output)
        self.assertIn("试运行，应提醒 2 个基地，未发送、未记录", output)
        self.assertEqual(box.messages, [])
        self.assertFalse(SentReminder.objects.exists())
        self.assertFalse(Notice.objects.exists())

    def test_a_run_by_hand_sends_and_a_second_one_skips(self):
        first = self.run_command("--date", days(1).isoformat())
        self.assertIn("株洲创业园（B001）截止 2018-06-30 · 已逾期1天 → bob <bob@example.cn> 已提醒",
                      first)
        self.assertIn("应提醒 2 个基地，本次发送 2 个", first)
        second = self.run_command("--date", days(1).isoformat())
        self.assertIn("此前已提醒，跳过", second)
        self.assertIn("本次发送 0 个", second)

    def test_a_base_without_an_officer_is_listed_and_not_recorded(self):
        self.bob.base = None
        self.bob.save()
        output = self.run_command("--date", days(-7).isoformat())
        self.assertIn("株洲创业园（B001）截止 2018-06-30 · 截止前7天 → "
                      "（无在职信息管理员，不发送）", output)
        self.assertEqual(list(SentReminder.objects.values_list("base__code", flat=True)),
                         ["A001"])

    def test_a_bad_date_is_refused_in_chinese(self):
        with self.assertRaisesMessage(CommandError, "--date 须为 YYYY-MM-DD 格式的日期"):
            call_command("send_reminders", "--date", "2018-13-01")
