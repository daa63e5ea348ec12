"""Several beat hosts at once (PostgreSQL: real threads, real connections): each reminder
and each digest reaches each person once."""

from __future__ import annotations

import datetime as dt
import threading
import unittest

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from bases.models import Base, City, Role, User
from bases.notices.models import Kind, Notice, SentReminder
from reporting import notices
from reporting.models import Report, Round, Status, Transition

DEADLINE = dt.date(2018, 6, 30)


def at_once(work, hosts: int = 4) -> None:
    barrier = threading.Barrier(hosts)

    def host() -> None:
        barrier.wait()
        try:
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=host) for _ in range(hosts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@unittest.skipUnless(connection.vendor == "postgresql",
                     "concurrent inserts need PostgreSQL; CI runs this suite on PostgreSQL too")
class SeveralBeatHostsTests(TransactionTestCase):
    def setUp(self) -> None:
        city, _ = City.objects.get_or_create(name="长沙市")
        self.bases = [Base.objects.create(code=f"R{i:03}", name=f"竞态基地{i}", city=city)
                      for i in range(5)]
        for i, base in enumerate(self.bases):
            User.objects.create(username=f"officer{i}", role=Role.OFFICER, base=base)
        Round.objects.create(year=2018, opens_on=dt.date(2000, 1, 1), deadline=DEADLINE)

    def test_reminders_run_on_four_hosts_at_once_are_sent_once(self):
        at_once(lambda: notices.send_deadline_reminders_on(DEADLINE - dt.timedelta(days=3)))
        self.assertEqual(SentReminder.objects.count(), 5)
        self.assertEqual(Notice.objects.filter(kind=Kind.REMINDER).count(), 5)
        self.assertEqual(set(Notice.objects.values_list("recipient__username", flat=True)),
                         {f"officer{i}" for i in range(5)})

    def test_the_digest_run_on_four_hosts_at_once_reaches_each_admin_once(self):
        admins = [User.objects.create(username=f"prov{i}", role=Role.PROVINCE) for i in range(2)]
        report = Report.objects.create(base=self.bases[0], year=2018, status=Status.SUBMITTED)
        Transition.objects.create(report=report, action=Transition.Action.SUBMIT,
                                  to_status=Status.SUBMITTED)
        at_once(lambda: notices.submission_digest(timezone.localdate()))
        self.assertEqual(sorted(Notice.objects.values_list("recipient_id", flat=True)),
                         sorted(a.pk for a in admins))
