"""Generated input never breaks the form; concurrent approve and edit never mix figures."""

from __future__ import annotations

import threading
import unittest
from decimal import Decimal

from django.db import connection, transaction
from django.test import TransactionTestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bases.models import Base, City, Role, User
from reporting import indicators
from reporting.filing import services
from reporting.models import Report, Round, Status
from tests.base import BaseTestCase, complete_values

URL = "/bases/A001/reports/2018/"

#: The oracle's verdicts besides an expected value.
INVALID = "invalid"  # the form must refuse it and save nothing
ANY = "any"  # arbitrary input: only "no server error, refused or saved whole" is checked

#: The form's yes/no select sends exactly these; anything else is not one of its choices.
WORDS = {True: "true", False: "false"}
NOT_A_NUMBER = ("abc", "12a", "1..2", "--1", "NaN", "Infinity", "0x10", "1 2", "1-2")
NOT_YES_OR_NO = ("maybe", "是", "1", "TRUE", "-1")


@st.composite
def well_formed(draw, indicator: indicators.Indicator):
    """A figure as a person types it, and the value the form must store, built from the
    generated digits (never by the parser under test)."""
    if indicator.is_bool:
        answer = draw(st.booleans())
        return WORDS[answer], answer
    places = indicator.decimals
    whole = draw(st.integers(min_value=0, max_value=int(indicators.VALUE_LIMIT) - 1))
    fraction = draw(st.text("0123456789", max_size=places)) if places else ""
    negative = indicator.minimum is None and draw(st.booleans())
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    raw = ("-" if negative else "") + digits + (f".{fraction}" if fraction else "")
    units = whole * 10**places + int(fraction.ljust(places, "0") or 0)
    units = -units if negative else units
    expected = Decimal(units).scaleb(-places) if indicator.kind == "decimal" else units
    return f"{draw(st.sampled_from(['', ' ']))}{raw}", expected


@st.composite
def malformed(draw, indicator: indicators.Indicator):
    """Input the catalog refuses for this figure, by construction."""
    if indicator.is_bool:
        return draw(st.sampled_from(NOT_YES_OR_NO)), INVALID
    whole = draw(st.integers(min_value=1, max_value=10**6))
    too_precise = f"{whole}.{'0' * indicator.decimals}{draw(st.integers(1, 9))}"
    too_large = str(draw(st.integers(min_value=int(indicators.VALUE_LIMIT), max_value=10**20)))
    choices = [too_precise, too_large, draw(st.sampled_from(NOT_A_NUMBER))]
    if indicator.minimum is not None:
        choices.append(f"-{whole}")
    return draw(st.sampled_from(choices)), INVALID


arbitrary = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
    st.sampled_from(["１２", "1e5", "-0", "1,000.5", "1，000"]),
).map(lambda raw: (raw, ANY))


def fields_of(kinds):
    """Up to 8 distinct figures, each drawn from `kinds(indicator)`: {code: (raw, expected)}."""
    def draw_values(codes):
        pairs = [kinds(indicators.BY_CODE[code]) for code in codes]
        return st.tuples(*pairs).map(lambda drawn: dict(zip(codes, drawn, strict=True)))
    return st.lists(st.sampled_from(indicators.ENTERED_CODES), unique=True, min_size=1,
                    max_size=8).flatmap(draw_values)


well_formed_fields = fields_of(lambda i: st.one_of(st.just(("", None)), well_formed(i)))
any_fields = fields_of(lambda i: st.one_of(st.just(("", None)), well_formed(i), malformed(i),
                                           arbitrary))
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])


class FormFuzzTests(HypothesisTestCase, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    def post(self, fields, action: str):
        """Post the raw figures as the officer; returns (response, figures before, after)."""
        self.client.force_login(self.alice)
        report = Report.objects.filter(base=self.base_a, year=2018).first()
        if report is not None and not report.is_editable:
            Report.objects.filter(pk=report.pk).update(status=Status.DRAFT)
        version = str(report.version) if report else ""
        before = report.value_map() if report else {}
        data = {code: raw for code, (raw, _) in fields.items()}
        response = self.client.post(URL, {"action": action, "version": version, **data})
        after_report = Report.objects.filter(base=self.base_a, year=2018).first()
        return response, before, after_report.value_map() if after_report else {}

    @FUZZ
    @given(fields=well_formed_fields)
    def test_well_formed_figures_are_saved_exactly_as_typed(self, fields):
        response, _, after = self.post(fields, "save")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(after, {code: expected for code, (_, expected) in fields.items()
                                 if expected is not None})

    @FUZZ
    @given(fields=any_fields, submit=st.booleans())
    def test_generated_input_never_gets_a_server_error_and_is_saved_whole_or_not_at_all(
            self, fields, submit):
        response, before, after = self.post(fields, "submit" if submit else "save")
        self.assertIn(response.status_code, (200, 302))
        verdicts = [expected for _, expected in fields.values()]
        if INVALID in verdicts:
            self.assertEqual(response.status_code, 200)
        if response.status_code == 302:
            for code, (_, expected) in fields.items():
                if expected is not ANY:
                    self.assertEqual(after.get(code), expected, code)
        else:
            self.assertEqual(after, before)


@unittest.skipUnless(connection.vendor == "postgresql",
                     "row locks need PostgreSQL; CI runs this suite on PostgreSQL too")
class ApproveEditRaceTests(TransactionTestCase):
    """The pattern of Django's select_for_update tests: real threads, real connections."""

    def setUp(self) -> None:
        # get_or_create: a TransactionTestCase run before this one may have flushed the
        # cities of the data migration.
        city, _ = City.objects.get_or_create(name="长沙市")
        self.base = Base.objects.create(code="R001", name="竞态基地", city=city)
        self.officer = User.objects.create(username="ren", role=Role.OFFICER, base=self.base)
        self.admin = User.objects.create(username="ada", role=Role.PROVINCE)
        self.second_admin = User.objects.create(username="bo", role=Role.PROVINCE)
        Round.objects.create(year=2018, opens_on="2000-01-01", deadline="2099-12-31")

    def submitted_report(self) -> Report:
        values = {c: indicators.BY_CODE[c].parse(v) for c, v in complete_values().items()}
        report = services.save_draft(base=self.base, year=2018, actor=self.officer,
                                     values=values, version=None)
        return services.submit_report(report=report, actor=self.officer,
                                      version=report.version)

    def test_no_approved_report_holds_figures_the_approver_did_not_see(self):
        for attempt in range(8):
            Report.objects.all().delete()
            report = self.submitted_report()
            seen_version, seen = report.version, report.value_map()
            changed = {**seen, "building_area": seen["building_area"] + 1}
            barrier = threading.Barrier(2)
            result: dict[str, str] = {}

            def approve(report=report, seen_version=seen_version, barrier=barrier,
                        result=result):
                barrier.wait()
                try:
                    services.approve_report(report=report, actor=self.admin,
                                            version=seen_version)
                    result["approve"] = "ok"
                except services.WorkflowError:
                    result["approve"] = "refused"
                finally:
                    connection.close()

            def edit(report=report, seen_version=seen_version, barrier=barrier,
                     result=result, changed=changed, attempt=attempt):
                barrier.wait()
                try:
                    with transaction.atomic():
                        locked = services.return_report(
                            report=report, actor=self.second_admin, version=seen_version,
                            comment="改")
                        if attempt % 2:
                            # Hold the lock a moment so the approver queues behind the edit.
                            connection.cursor().execute("SELECT pg_sleep(0.05)")
                        locked = services.save_draft(base=self.base, year=2018,
                                                     actor=self.officer, values=changed,
                                                     version=locked.version)
                        services.submit_report(report=locked, actor=self.officer,
                                               version=locked.version)
                    result["edit"] = "ok"
                except services.WorkflowError:
                    result["edit"] = "refused"
                finally:
                    connection.close()

            threads = [threading.Thread(target=approve), threading.Thread(target=edit)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            final = Report.objects.get(pk=report.pk)
            self.assertNotEqual(result.get("approve"), result.get("edit"),
                                "exactly one of the two writers must win")
            if final.status == Status.APPROVED:
                self.assertEqual(final.value_map(), seen)
                approved = final.transitions.get(action="approve")
                self.assertEqual(approved.snapshot["building_area"], str(seen["building_area"]))
            else:
                self.assertEqual(final.value_map(), changed)
