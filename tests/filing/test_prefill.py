"""The pre-fill of a year's report from the base's ledger and roster (SPEC sections 9 and
10): exact figures at the year's edges, other years and bases left out, a constant number
of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.models import Role
from reporting import indicators
from reporting.filing.prefill import prefill_for
from tests.base import BaseTestCase
from tests.filing.prefill_helpers import activity, enterprise, institution

DEC31, JAN1 = dt.date(2018, 12, 31), dt.date(2018, 1, 1)


class LedgerPrefillTests(BaseTestCase):
    def test_sessions_and_enterprises_served_count_only_the_years_activities_of_the_base(self):
        activity(self.base_a, JAN1, "training", 30)
        activity(self.base_a, DEC31, "training", 12)
        activity(self.base_a, dt.date(2018, 6, 1), "info", 0)
        activity(self.base_a, dt.date(2017, 12, 31), "training", 99)  # last year
        activity(self.base_a, dt.date(2019, 1, 1), "training", 99)  # next year
        activity(self.base_b, dt.date(2018, 6, 1), "training", 99)  # another base
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual(prefill.values["svc_training_sessions"], 2)
        self.assertEqual(prefill.values["svc_training_enterprises"], 42)
        self.assertEqual(prefill.values["svc_info_sessions"], 1)
        self.assertEqual(prefill.values["svc_info_enterprises"], 0)
        # Every category is computed, unused ones as 0.
        self.assertEqual(prefill.values["svc_financing_sessions"], 0)
        self.assertEqual(prefill.values["svc_financing_enterprises"], 0)
        self.assertEqual(prefill.sources["svc_training_sessions"], "ledger")

    def test_institutions_are_those_cooperating_on_31_december(self):
        institution(self.base_a, dt.date(2016, 1, 1))  # still cooperating
        institution(self.base_a, DEC31)  # starts on the day: counted
        institution(self.base_a, dt.date(2016, 1, 1), until=dt.date(2019, 1, 1))  # after it
        institution(self.base_a, dt.date(2016, 1, 1), until=DEC31)  # ends on the day: not
        institution(self.base_a, dt.date(2019, 1, 1))  # starts next year: not
        institution(self.base_a, dt.date(2016, 1, 1), until=dt.date(2018, 6, 30))  # ended: not
        institution(self.base_b, dt.date(2016, 1, 1))  # another base: not
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual(prefill.values["third_party_institutions"], 3)
        self.assertEqual(prefill.sources["third_party_institutions"], "ledger")

    def test_platform_interconnected_when_the_bases_platform_pushed_a_record_of_the_year(self):
        platform = self.make_user("hn_platform", Role.PLATFORM, base=self.base_a)
        activity(self.base_a, dt.date(2018, 3, 1), "info", 5)
        self.assertIs(prefill_for(self.base_a, 2018).values["platform_interconnected"], False)
        activity(self.base_a, dt.date(2017, 3, 1), "info", 5, by=platform)  # another year
        self.assertIs(prefill_for(self.base_a, 2018).values["platform_interconnected"], False)
        activity(self.base_a, dt.date(2018, 3, 2), "info", 5, by=platform)
        self.assertIs(prefill_for(self.base_a, 2018).values["platform_interconnected"], True)

    def test_a_base_without_any_ledger_entry_is_offered_no_ledger_figures(self):
        activity(self.base_b, dt.date(2018, 6, 1), "training", 9)
        prefill = prefill_for(self.base_a, 2018)
        self.assertNotIn("svc_training_sessions", prefill.values)
        self.assertNotIn("ledger", prefill.sources.values())

    def test_a_ledger_kept_in_other_years_gives_zeros_for_this_one(self):
        activity(self.base_a, dt.date(2017, 6, 1), "training", 9)
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual(prefill.values["svc_training_sessions"], 0)
        self.assertEqual(prefill.values["third_party_institutions"], 0)


class RosterPrefillTests(BaseTestCase):
    def test_resident_on_31_december_and_small_micro_among_them(self):
        enterprise(self.base_a)  # resident
        enterprise(self.base_a, moved_in=DEC31, small_micro=False)  # moved in on the day
        enterprise(self.base_a, moved_out=DEC31)  # moved out on the day: not resident
        enterprise(self.base_a, moved_out=dt.date(2019, 1, 1))  # still there on 31 Dec
        enterprise(self.base_a, moved_in=dt.date(2019, 1, 1))  # not yet
        enterprise(self.base_a, moved_out=dt.date(2018, 5, 1))  # left during the year
        enterprise(self.base_b)  # another base
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual(prefill.values["resident_enterprises"], 3)
        self.assertEqual(prefill.values["small_micro_enterprises"], 2)
        self.assertEqual(prefill.sources["resident_enterprises"], "roster")

    def test_yearly_figures_are_exact_sums_over_the_enterprises_with_figures(self):
        enterprise(self.base_a, years={2018: {"ent_total_assets": Decimal("0.10"),
                                              "ent_profit": Decimal("-0.30")}})
        enterprise(self.base_a, years={2018: {"ent_total_assets": Decimal("0.20"),
                                              "ent_profit": Decimal("0.01")},
                                       2017: {"employees": 1000}})
        enterprise(self.base_a, years={2017: {}})  # figures of another year only
        enterprise(self.base_b, years={2018: {"employees": 1000}})  # another base
        values = prefill_for(self.base_a, 2018).values
        self.assertEqual(values["reporting_enterprises"], 2)
        self.assertEqual(values["employees"], 50)
        self.assertEqual(values["ent_total_assets"], Decimal("0.30"))
        self.assertEqual(str(values["ent_total_assets"]), "0.30")
        self.assertEqual(values["ent_profit"], Decimal("-0.29"))
        self.assertEqual(values["ent_revenue"], Decimal("1600.00"))
        self.assertEqual(values["ent_tax"], Decimal("60.02"))
        self.assertEqual(values["invention_patents"], 2)
        self.assertEqual(values["utility_model_patents"], 8)
        # Derived as everywhere in the catalog: the three kinds added up.
        self.assertEqual(values["patents"], 10)
        self.assertEqual({code for code, source in prefill_for(self.base_a, 2018).sources.items()
                          if source == "roster"},
                         {"resident_enterprises", "small_micro_enterprises",
                          *(i.code for i in indicators.in_section(indicators.ENTERPRISES))})

    def test_sums_stay_exact_at_large_amounts(self):
        for _ in range(3):
            enterprise(self.base_a, years={2018: {"ent_revenue": Decimal("99999999999.99")}})
        values = prefill_for(self.base_a, 2018).values
        self.assertEqual(values["ent_revenue"], Decimal("299999999999.97"))

    def test_high_tech_counts_certificates_valid_on_31_december_or_without_expiry(self):
        enterprise(self.base_a, high_tech=True, valid_until=DEC31, years={2018: {}})
        enterprise(self.base_a, high_tech=True, valid_until=None, years={2018: {}})
        enterprise(self.base_a, high_tech=True, valid_until=dt.date(2018, 12, 30),
                   years={2018: {}})  # expired the day before
        enterprise(self.base_a, high_tech=True, valid_until=dt.date(2020, 1, 1))  # no figures
        enterprise(self.base_a, high_tech=False, years={2018: {}})
        values = prefill_for(self.base_a, 2018).values
        self.assertEqual(values["reporting_enterprises"], 4)
        self.assertEqual(values["high_tech_enterprises"], 2)

    def test_a_move_out_during_the_year_is_explained_only_when_reporting_exceeds_resident(self):
        enterprise(self.base_a, years={2018: {}})
        enterprise(self.base_a)  # resident, no figures: 1 reporting of 2 resident
        left = enterprise(self.base_a, moved_out=dt.date(2018, 9, 1), years={2018: {}})
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual((prefill.values["reporting_enterprises"],
                          prefill.values["resident_enterprises"]), (2, 2))
        self.assertEqual(prefill.notes, ())
        left.__class__.objects.filter(pk=left.pk).update(moved_out=dt.date(2018, 3, 1))
        enterprise(self.base_a, moved_out=DEC31, years={2018: {}})
        prefill = prefill_for(self.base_a, 2018)
        self.assertEqual((prefill.values["reporting_enterprises"],
                          prefill.values["resident_enterprises"]), (3, 2))
        [note] = prefill.notes
        self.assertTrue(note.startswith("名册中有 2 家企业已于2018年内迁出但填有2018年度数据"))
        # The next year, nobody who left in 2018 has figures: no note.
        self.assertEqual(prefill_for(self.base_a, 2019).notes, ())

    def test_a_roster_without_figures_for_the_year_gives_zero_sums(self):
        enterprise(self.base_a, years={2017: {}})
        values = prefill_for(self.base_a, 2018).values
        self.assertEqual(values["reporting_enterprises"], 0)
        self.assertEqual(values["ent_total_assets"], Decimal("0.00"))
        self.assertEqual(values["patents"], 0)

    def test_a_base_without_a_roster_is_offered_no_roster_figures(self):
        enterprise(self.base_b, years={2018: {}})
        self.assertEqual(prefill_for(self.base_a, 2018).values, {})


class PrefillQueryTests(BaseTestCase):
    def queries(self) -> int:
        with CaptureQueriesContext(connection) as captured:
            prefill_for(self.base_a, 2018)
        return len(captured)

    def test_the_number_of_queries_does_not_grow_with_the_records(self):
        activity(self.base_a, dt.date(2018, 2, 1), "info", 1)
        institution(self.base_a, dt.date(2016, 1, 1))
        enterprise(self.base_a, years={2018: {}})
        few = self.queries()
        for month in range(1, 13):
            activity(self.base_a, dt.date(2018, month, 3), "coaching", month)
            institution(self.base_a, dt.date(2016, month, 1))
            enterprise(self.base_a, high_tech=True, years={2018: {}, 2017: {}})
        self.assertEqual(self.queries(), few)
        self.assertLessEqual(few, 8)
