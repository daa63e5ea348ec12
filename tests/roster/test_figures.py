"""The roster's yearly figures (bases) must be exactly the catalog's (reporting)."""

from django.test import SimpleTestCase

from bases.roster.figures import FIGURES
from reporting import indicators

NOT_KEPT_PER_ENTERPRISE = {"reporting_enterprises", "high_tech_enterprises", "patents"}


class RosterFiguresAgreeWithCatalogTests(SimpleTestCase):
    def test_codes_kinds_decimals_minimums_labels_and_units_match_the_catalog(self):
        catalog = [indicator for indicator in indicators.in_section(indicators.ENTERPRISES)
                   if indicator.code not in NOT_KEPT_PER_ENTERPRISE]
        self.assertEqual(
            [(f.code, f.kind, f.decimals, f.minimum, f.label, f.unit) for f in FIGURES],
            [(i.code, i.kind, i.decimals, i.minimum, i.label, i.unit) for i in catalog])
