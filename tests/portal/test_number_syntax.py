"""One number syntax for the web form and the API (issue 14, issue 16 item 5).

Every row of the table goes through the officer's form page and through the API; both must
give the same answer: the same stored value, or the same message on the same field with
nothing saved.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rest_framework.test import APIClient

from reporting import indicators
from reporting.models import Report
from tests.base import BaseTestCase

FORM_URL = "/bases/A001/reports/2018/"
SEPARATORS = "千位分隔符位置不正确"
EXPONENT = "不支持科学计数法"
NOT_A_NUMBER = "必须是数字"

# (indicator code, typed text, the stored value or the start of the message)
TABLE: list[tuple[str, str, Decimal | str]] = [
    ("building_area", "1234", Decimal("1234.00")),
    ("building_area", "1,234", Decimal("1234.00")),
    ("building_area", "1,234,567", Decimal("1234567.00")),
    ("building_area", "1,234.50", Decimal("1234.50")),
    ("building_area", "1，234．5", Decimal("1234.50")),  # full-width comma and point
    ("building_area", "１２３４", Decimal("1234.00")),  # full-width digits
    ("building_area", " 12.5 ", Decimal("12.50")),
    ("building_area", "\u300012.5\u3000", Decimal("12.50")),  # full-width spaces
    ("building_area", "1.230", Decimal("1.23")),
    ("building_area", "9999999999999.99", Decimal("9999999999999.99")),  # the largest figure
    ("building_area", "10000000000000", "数值过大"),
    ("ent_profit", "-1,234.50", Decimal("-1234.50")),
    ("ent_profit", "－12", Decimal("-12.00")),  # full-width minus
    ("ent_profit", "-0", Decimal("0.00")),
    ("building_area", "1,2,3", SEPARATORS),
    ("building_area", "12,34", SEPARATORS),
    ("building_area", "1234,567", SEPARATORS),
    ("building_area", ",123", SEPARATORS),
    ("building_area", "1,234,", SEPARATORS),
    ("building_area", "1.234,5", SEPARATORS),
    ("building_area", "9e999999999", EXPONENT),
    ("building_area", "1e5", EXPONENT),
    ("ent_profit", "-1E+3", EXPONENT),
    ("building_area", "NaN", NOT_A_NUMBER),
    ("building_area", "Infinity", NOT_A_NUMBER),
    ("ent_profit", "-inf", NOT_A_NUMBER),
    ("building_area", "1 234", NOT_A_NUMBER),
    ("building_area", "1_000", NOT_A_NUMBER),
    ("building_area", "+5", NOT_A_NUMBER),
    ("building_area", "0x10", NOT_A_NUMBER),
    ("building_area", "١٢٣", NOT_A_NUMBER),  # Arabic-Indic digits: Decimal() takes them
    ("building_area", ".5", NOT_A_NUMBER),
    ("building_area", "abc", NOT_A_NUMBER),
    ("building_area", "1.234", "最多保留2位小数"),
    ("building_area", "-5", "不能小于0"),
    ("building_area", "-0", "不能小于0"),
    ("building_area", "123456789012345", "数值过大"),
    ("building_area", "1" * 41, "内容过长"),
    ("building_area", " " * 41, "内容过长"),
]


class NumberSyntaxTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    def through_the_form(self, code: str, text: str) -> Decimal | str:
        self.client.force_login(self.alice)
        response = self.client.post(FORM_URL, {"action": "save", "version": "", code: text})
        if response.status_code == 302:
            return Report.objects.get(base=self.base_a, year=2018).value_map()[code]
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Report.objects.exists())
        errors = response.context["form"].errors
        self.assertEqual(list(errors), [code])  # the error is the field's, and only its
        return errors[code][0]

    def through_the_api(self, code: str, text: str) -> Decimal | str:
        client = APIClient()
        client.force_authenticate(self.alice)
        response = client.post("/api/v1/reports/", {"year": 2018, "values": {code: text}},
                               format="json")
        if response.status_code == 201:
            return Decimal(response.json()["values"][code])
        self.assertEqual(response.status_code, 400, response.content)
        self.assertFalse(Report.objects.exists())
        self.assertEqual(list(response.json()), ["values"])
        self.assertEqual(list(response.json()["values"]), [code])
        return response.json()["values"][code][0]

    def test_the_form_and_the_api_give_the_same_answer_to_every_input(self):
        for code, text, expected in TABLE:
            with self.subTest(code=code, text=text):
                web = self.through_the_form(code, text)
                Report.objects.all().delete()
                api = self.through_the_api(code, text)
                Report.objects.all().delete()
                self.assertEqual(web, api)
                if isinstance(expected, Decimal):
                    self.assertEqual(web, expected)
                    self.assertEqual(str(web), str(expected))  # "0.00", never "-0.00"
                else:
                    self.assertTrue(web.startswith(expected), web)

    def test_whole_figures_take_the_same_separators_on_the_form(self):
        cases = {"1,234": 1234, "１２": 12, "12.0": 12, "1,2,3": SEPARATORS,
                 "2.5": "必须是整数", "1e3": EXPONENT}
        for text, expected in cases.items():
            with self.subTest(text=text):
                answer = self.through_the_form("service_staff", text)
                Report.objects.all().delete()
                if isinstance(expected, int):
                    self.assertEqual(answer, expected)
                else:
                    self.assertTrue(answer.startswith(expected), answer)

    def test_the_published_pattern_matches_every_accepted_text(self):
        # The schema's pattern for a decimal figure is the parser's syntax: nothing the API
        # accepts is invalid by the schema, and what the pattern refuses the API refuses.
        for code, text, expected in TABLE:
            indicator = indicators.BY_CODE[code]
            matches = re.fullmatch(indicator.text_pattern, text) is not None
            with self.subTest(code=code, text=text):
                if isinstance(expected, Decimal):
                    self.assertTrue(matches)
                elif not matches:
                    with self.assertRaises(indicators.InvalidValue):
                        indicator.parse(text)
