"""Issue 16.3: completeness of the demo's past rounds. A base is expected from its
designation year; imported reports are 导入, never late; lateness is the first submission
against the deadline, extensions included."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from bases.models import Base
from reporting.filing.completeness import completeness
from reporting.models import Extension, Report, Round, Status


class DemoRoundsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("seed_demo", stdout=io.StringIO())

    def summary(self, year: int):
        return completeness(Round.objects.get(year=year))

    def test_2016_round_expects_only_the_bases_designated_by_2016(self):
        summary = self.summary(2016)
        designated = Base.objects.filter(year_designated__lte=2016).count()

        self.assertEqual(summary.total.total, designated)
        self.assertEqual(Base.objects.filter(year_designated=2017).count(), 31)
        self.assertEqual(summary.total.counts["not_started"], 0)
        self.assertEqual(summary.missing, [])

    def test_imported_reports_of_past_rounds_are_imported_not_late(self):
        for year in (2016, 2017):
            summary = self.summary(year)

            self.assertEqual(summary.total.late, 0, year)
            self.assertEqual(summary.total.imported, summary.total.counts[Status.APPROVED])
            self.assertTrue(all(b.timing_label == "导入" for b in summary.bases), year)

    def test_portal_submissions_are_on_time_or_late_by_their_first_submission(self):
        round_ = Round.objects.get(year=2017)
        early, extended, late = Base.objects.filter(year_designated=2017).order_by("code")[:3]
        Report.objects.filter(year=2017, base__in=[early, extended, late]).delete()
        Extension.objects.create(round=round_, base=extended, deadline=dt.date(2018, 2, 10))
        for base, day in ((early, dt.date(2018, 1, 19)), (extended, dt.date(2018, 2, 5)),
                          (late, dt.date(2018, 1, 25))):
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
            Report.objects.create(base=base, year=2017, status=Status.APPROVED,
                                  first_submitted_at=at, submitted_at=at)

        states = {b.code: b for b in completeness(round_).bases}

        self.assertEqual([(states[b.code].late, states[b.code].imported)
                          for b in (early, extended, late)],
                         [(False, False), (False, False), (True, False)])
        self.assertEqual(completeness(round_).total.on_time, 2)
