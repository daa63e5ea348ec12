"""The demo's records: a 2018 service ledger for both demo bases, and the flagship's roster
whose 2017 figures reproduce its approved 2017 report exactly."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import TestCase

from bases.credit_code import credit_code_problem
from bases.ledger.categories import CATEGORIES
from bases.ledger.models import Institution, ServiceActivity
from bases.models import User
from bases.roster.models import Enterprise, RosterChange
from reporting import indicators
from reporting.filing.prefill import prefill_for
from reporting.filing.selectors import approved_values


class DemoRecordsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = io.StringIO()
        call_command("seed_demo", stdout=cls.output)
        cls.flagship = User.objects.get(username="cs_officer").base
        cls.second = User.objects.get(username="b2_officer").base

    def test_the_flagships_roster_reproduces_its_approved_2017_report(self):
        prefill = prefill_for(self.flagship, 2017)
        report = indicators.with_derived(approved_values(self.flagship.pk, 2017))
        roster_codes = [code for code, source in prefill.sources.items() if source == "roster"]
        self.assertEqual(len(roster_codes), 15)  # 2 counts of operation, 13 of annex 5
        for code in roster_codes:
            self.assertEqual(prefill.values[code], report[code], code)
        self.assertEqual(report["resident_enterprises"], 56)
        self.assertEqual(report["ent_total_assets"], prefill.values["ent_total_assets"])

    def test_the_roster_has_valid_distinct_credit_codes_and_its_history(self):
        enterprises = Enterprise.objects.filter(base=self.flagship)
        codes = list(enterprises.values_list("credit_code", flat=True))
        self.assertGreater(len(codes), 56)
        self.assertEqual(len(set(codes)), len(codes))
        self.assertEqual([code for code in codes if credit_code_problem(code)], [])
        # Moved out during 2017 (not resident on 31 December) and a loss-maker among them.
        self.assertTrue(enterprises.filter(moved_out__year=2017).exists())
        self.assertTrue(enterprises.filter(years__year=2017, years__ent_profit__lt=0).exists())
        self.assertTrue(RosterChange.objects.filter(base=self.flagship,
                                                    action=RosterChange.Action.FIGURES).exists())
        # A 2018 roster too, so the 2018 form can be filled from it.
        self.assertGreater(prefill_for(self.flagship, 2018).values["reporting_enterprises"], 40)

    def test_both_demo_bases_keep_a_2018_ledger_across_categories_and_months(self):
        for base in (self.flagship, self.second):
            activities = ServiceActivity.objects.filter(base=base, date__year=2018)
            self.assertEqual({a.category for a in activities}, {key for key, _ in CATEGORIES},
                             base.name)
            self.assertGreaterEqual(len({a.date.month for a in activities}), 10, base.name)
            self.assertTrue(activities.filter(provider__isnull=False).exists(), base.name)
            self.assertGreaterEqual(Institution.objects.filter(base=base).count(), 3)
            values = prefill_for(base, 2018).values
            self.assertGreater(values["svc_training_sessions"], 0, base.name)
            self.assertEqual(values["third_party_institutions"], 3, base.name)
            # Every category's served per session stays within the soft check's bound.
            for key, _ in CATEGORIES:
                self.assertLessEqual(values[f"svc_{key}_enterprises"],
                                     100 * values[f"svc_{key}_sessions"])

    def test_the_summary_names_the_records(self):
        self.assertIn("服务台帐", self.output.getvalue())
        self.assertIn("入驻企业名册", self.output.getvalue())
