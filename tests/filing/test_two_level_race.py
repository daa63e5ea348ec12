"""Races of the two-level review on PostgreSQL (row locks): a city reviewer passing a report
at the same moment as the province returns it, or as it is returned, corrected and resubmitted.
Exactly one writer wins, the other is refused as stale (the API's 409), and nothing is lost:
no city-approved report holds figures the reviewer did not see."""

from __future__ import annotations

import threading
import unittest

from django.db import connection, transaction
from django.test import TransactionTestCase

from bases.models import Base, City, Role, User
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, Round, Status
from tests.base import complete_values


@unittest.skipUnless(connection.vendor == "postgresql",
                     "row locks need PostgreSQL; CI runs this suite on PostgreSQL too")
class CityReviewRaceTests(TransactionTestCase):
    def setUp(self) -> None:
        # get_or_create: a TransactionTestCase flushes the cities loaded by the migration.
        city, _ = City.objects.get_or_create(name="长沙市")
        self.base = Base.objects.create(code="R001", name="竞态基地", city=city)
        self.officer = User.objects.create(username="ren", role=Role.OFFICER, base=self.base)
        self.reviewer = User.objects.create(username="rui", role=Role.CITY_REVIEWER, city=city)
        self.admin = User.objects.create(username="ada", role=Role.PROVINCE)
        Round.objects.create(year=2018, opens_on="2000-01-01", deadline="2099-12-31",
                             review_levels=2, city_review_deadline="2100-01-10")

    def submitted_report(self) -> Report:
        values = {c: indicators.BY_CODE[c].parse(v) for c, v in complete_values().items()}
        report = services.save_draft(base=self.base, year=2018, actor=self.officer,
                                     values=values, version=None)
        return services.submit_report(report=report, actor=self.officer,
                                      version=report.version)

    def race(self, *writers) -> dict[str, object]:
        """Run the writers at once; each one's outcome: "ok" or the exception it raised."""
        barrier = threading.Barrier(len(writers))
        result: dict[str, object] = {}

        def run(name, write):
            barrier.wait()
            try:
                write()
                result[name] = "ok"
            except services.WorkflowError as exc:
                result[name] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(name, write))
                   for name, write in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return result

    def test_city_pass_and_province_return_one_wins_the_other_is_stale(self):
        for attempt in range(8):
            Report.objects.all().delete()
            report = self.submitted_report()
            seen = report.version

            def city_pass(report=report, seen=seen):
                services.city_approve_report(report=report, actor=self.reviewer, version=seen,
                                             comment="同意上报")

            def province_return(report=report, seen=seen, attempt=attempt):
                with transaction.atomic():
                    services.return_report(report=report, actor=self.admin, version=seen,
                                           comment="请核实", field_comments={"employees": "偏高"})
                    if attempt % 2:  # hold the lock so the city queues behind the return
                        connection.cursor().execute("SELECT pg_sleep(0.05)")

            result = self.race(("city", city_pass), ("province", province_return))
            winners = [name for name, outcome in result.items() if outcome == "ok"]
            self.assertEqual(len(winners), 1, result)
            loser = next(outcome for outcome in result.values() if outcome != "ok")
            self.assertIsInstance(loser, services.StaleVersion)  # the API answers 409
            final = Report.objects.get(pk=report.pk)
            actions = list(final.transitions.values_list("action", flat=True))
            self.assertEqual(final.version, seen + 1)
            if winners == ["city"]:
                self.assertEqual((final.status, final.city_opinion),
                                 (Status.CITY_APPROVED, "同意上报"))
                self.assertEqual(actions[-1], "city_approve")
            else:
                self.assertEqual((final.status, final.review_comment, final.field_comments),
                                 (Status.RETURNED, "请核实", {"employees": "偏高"}))
                self.assertEqual(actions[-1], "return")
            self.assertEqual(actions.count("city_approve") + actions.count("return"), 1)

    def test_no_city_approved_report_holds_figures_the_reviewer_did_not_see(self):
        for attempt in range(8):
            Report.objects.all().delete()
            report = self.submitted_report()
            seen_version, seen = report.version, report.value_map()
            changed = {**seen, "building_area": seen["building_area"] + 1}

            def city_pass(report=report, seen_version=seen_version):
                services.city_approve_report(report=report, actor=self.reviewer,
                                             version=seen_version)

            def correct(report=report, seen_version=seen_version, changed=changed,
                        attempt=attempt):
                # The province returns it, the officer corrects and resubmits: one transaction,
                # so the city reviewer either passes before it or meets a newer version.
                with transaction.atomic():
                    locked = services.return_report(report=report, actor=self.admin,
                                                    version=seen_version, comment="改")
                    if attempt % 2:
                        connection.cursor().execute("SELECT pg_sleep(0.05)")
                    locked = services.save_draft(base=self.base, year=2018, actor=self.officer,
                                                 values=changed, version=locked.version)
                    services.submit_report(report=locked, actor=self.officer,
                                           version=locked.version)

            result = self.race(("city", city_pass), ("officer", correct))
            self.assertEqual(sorted(o == "ok" for o in result.values()), [False, True], result)
            self.assertTrue(all(isinstance(o, services.StaleVersion)
                                for o in result.values() if o != "ok"))
            final = Report.objects.get(pk=report.pk)
            if final.status == Status.CITY_APPROVED:
                self.assertEqual(final.value_map(), seen)
                passed = final.transitions.get(action="city_approve")
                self.assertEqual(passed.snapshot["building_area"], str(seen["building_area"]))
            else:
                self.assertEqual((final.status, final.value_map()), (Status.SUBMITTED, changed))
