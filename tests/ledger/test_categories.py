from django.test import SimpleTestCase

from bases.ledger.categories import CATEGORIES
from reporting import indicators


class CategoryTests(SimpleTestCase):
    def test_ledger_categories_are_exactly_the_catalogs_service_categories(self):
        codes = [indicator.code for indicator in indicators.CATALOG]
        for key, label in CATEGORIES:
            for code in (f"svc_{key}_sessions", f"svc_{key}_enterprises"):
                self.assertEqual(codes.count(code), 1, code)
                self.assertTrue(indicators.BY_CODE[code].label.startswith(label),
                                f"{code}: {indicators.BY_CODE[code].label} ≠ {label}")
        catalog_keys = {code[len("svc_"):-len("_sessions")] for code in codes
                        if code.startswith("svc_") and code.endswith("_sessions")}
        self.assertEqual(catalog_keys, {key for key, _ in CATEGORIES})
