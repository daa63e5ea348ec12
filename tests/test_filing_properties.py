"""Generated input never breaks the form; concurrent approve and edit never mix figures."""

from __future__ import annotations

import threading
import unittest

from django.db import connection, transaction
from django.test import TransactionTestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from bases.models import Base, City, Role, User
from reporting import indicators, services
from reporting.indicators import InvalidValue
from reporting.models import Report, Round, Status
from tests.base import BaseTestCase, complete_values

URL = "/bases/A001/reports/2018/"

raw_values = st.one_of(
    st.just(""),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
    st.sampled_from(["是", "否", "true", "1,000.5", "１２", "1e5", "-0", "0x10", " 7 "]),
)
field_values = st.dictionaries(st.sampled_from(indicators.ENTERED_CODES), raw_values,
                               max_size=8)


def expected_value(code: str, raw: str):
    try:
        return indicators.BY_CODE[code].parse(raw.replace("\x00", ""))
    except InvalidValue:
        return InvalidValue


class FormFuzzTests(HypothesisTestCase, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
    @given(data=field_values, submit=st.booleans())
    def test_generated_input_never_gets_a_server_error_and_saved_values_read_back(self, data,
                                                                                 submit):
        self.client.force_login(self.alice)
        report = Report.objects.filter(base=self.base_a, year=2018).first()
        if report is not None and not report.is_editable:
            Report.objects.filter(pk=report.pk).update(status=Status.DRAFT)
        version = str(report.version) if report else ""
        before = report.value_map() if report else {}
        response = self.client.post(URL, {"action": "submit" if submit else "save",
                                          "version": version, **data})
        self.assertIn(response.status_code, (200, 302))
        after_report = Report.objects.filter(base=self.base_a, year=2018).first()
        after = after_report.value_map() if after_report else {}
        if response.status_code == 302:
            expected = {code: expected_value(code, data.get(code, "")) for code in data}
            for code, value in expected.items():
                self.assertIsNot(value, InvalidValue)
                self.assertEqual(after.get(code), value)
        else:
            self.assertEqual(after, before)


@unittest.skipUnless(connection.vendor == "postgresql",
                     "row locks need PostgreSQL; CI runs this suite on PostgreSQL too")
class ApproveEditRaceTests(TransactionTestCase):
    """The pattern of Django's select_for_update tests: real threads, real connections."""

    def setUp(self) -> None:
        city = City.objects.get(name="长沙市")
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
        outcomes = []
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
            outcomes.append((result.get("approve"), result.get("edit")))
            self.assertNotEqual(result.get("approve"), result.get("edit"),
                                "exactly one of the two writers must win")
            if final.status == Status.APPROVED:
                self.assertEqual(final.value_map(), seen)
                approved = final.transitions.get(action="approve")
                self.assertEqual(approved.snapshot["building_area"], str(seen["building_area"]))
            else:
                self.assertEqual(final.value_map(), changed)
        self.assertEqual(len(outcomes), 8)
