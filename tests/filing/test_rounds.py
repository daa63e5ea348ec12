"""Rounds and extensions: one set of rules (Round.clean, Extension.clean, reporting.filing.rounds)
whether they are written in the admin, on the pages or through the API; every write audited;
one lateness rule for the completeness page and the review queue."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import AuditEvent
from reporting.filing import rounds
from reporting.models import Extension, Report, Round, Status
from tests.base import BaseTestCase

YEAR_RANGE = "年度应在2000至2100之间"
BEFORE_OPENING = "截止日期不能早于开始日期"
ADMIN_ROUNDS = "/admin/reporting/round/"
ADMIN_EXTENSIONS = "/admin/reporting/extension/"


class RoundRulesTestCase(BaseTestCase):
    def api(self, user, data: dict):
        cache.clear()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        return client.post("/api/v1/rounds/", data, format="json")


class RoundValidationTests(RoundRulesTestCase):
    def setUp(self) -> None:
        self.login(self.pat)

    def test_admin_refuses_1990_naming_the_year(self):
        response = self.client.post(f"{ADMIN_ROUNDS}add/", {
            "year": "1990", "opens_on": "1990-01-01", "deadline": "1990-03-31"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["adminform"].form.errors, {"year": [YEAR_RANGE]})
        self.assertContains(response, YEAR_RANGE)
        self.assertFalse(Round.objects.exists())

    def test_admin_refuses_a_deadline_before_the_opening_naming_the_deadline(self):
        response = self.client.post(f"{ADMIN_ROUNDS}add/", {
            "year": "2018", "opens_on": "2018-03-01", "deadline": "2018-02-01"})
        self.assertEqual(response.context["adminform"].form.errors,
                         {"deadline": [BEFORE_OPENING]})
        self.assertFalse(Round.objects.exists())

    def test_admin_refuses_a_second_round_for_a_year(self):
        self.open_round(2018)
        response = self.client.post(f"{ADMIN_ROUNDS}add/", {
            "year": "2018", "opens_on": "2018-01-01", "deadline": "2018-03-31"})
        self.assertEqual(response.context["adminform"].form.errors,
                         {"year": ["2018年度的报送轮次已存在"]})
        self.assertEqual(Round.objects.count(), 1)

    def test_admin_opens_reschedules_and_closes_through_the_services(self):
        response = self.client.post(f"{ADMIN_ROUNDS}add/", {
            "year": "2019", "opens_on": "2019-01-01", "deadline": "2019-03-31"})
        self.assertEqual(response.status_code, 302)
        round_ = Round.objects.get(year=2019)
        self.assertEqual(round_.opened_by, self.pat)

        change = f"{ADMIN_ROUNDS}{round_.pk}/change/"
        response = self.client.post(change, {"opens_on": "2019-01-01", "deadline": "2018-12-31"})
        self.assertEqual(response.context["adminform"].form.errors,
                         {"deadline": [BEFORE_OPENING]})
        response = self.client.post(change, {"opens_on": "2019-01-01", "deadline": "2019-04-30"})
        self.assertEqual(response.status_code, 302)
        round_.refresh_from_db()
        self.assertEqual((round_.year, round_.deadline), (2019, dt.date(2019, 4, 30)))

        self.client.post(ADMIN_ROUNDS, {"action": "close_rounds",
                                        "_selected_action": [round_.pk]})
        round_.refresh_from_db()
        self.assertTrue(round_.is_closed)
        events = list(AuditEvent.objects.filter(object_repr="round:2019")
                      .order_by("at", "id").values_list("event", "actor_username"))
        self.assertEqual(events, [("round_opened", "pat"), ("round_rescheduled", "pat"),
                                  ("round_closed", "pat")])

    def test_web_form_gives_the_same_messages(self):
        response = self.client.post("/rounds/", {"year": "1990", "opens_on": "1990-01-01",
                                                 "deadline": "1990-03-31"})
        self.assertEqual(response.context["form"].errors, {"year": [YEAR_RANGE]})
        response = self.client.post("/rounds/", {"year": "2018", "opens_on": "2018-03-01",
                                                 "deadline": "2018-02-01"})
        self.assertEqual(response.context["form"].errors, {"deadline": [BEFORE_OPENING]})
        self.assertFalse(Round.objects.exists())
        self.assertRedirects(self.client.post("/rounds/", {
            "year": "2018", "opens_on": "2018-01-01", "deadline": "2018-03-31"}), "/rounds/2018/")
        self.assertTrue(AuditEvent.objects.filter(event="round_opened", actor_username="pat",
                                                  object_repr="round:2018").exists())

    def test_api_gives_the_same_messages(self):
        response = self.api(self.pat, {"year": 1990, "opens_on": "1990-01-01",
                                       "deadline": "1990-03-31"})
        self.assertEqual((response.status_code, response.json()), (400, {"year": [YEAR_RANGE]}))
        response = self.api(self.pat, {"year": 2018, "opens_on": "2018-03-01",
                                       "deadline": "2018-02-01"})
        self.assertEqual((response.status_code, response.json()),
                         (400, {"deadline": [BEFORE_OPENING]}))
        self.assertFalse(Round.objects.exists())
        ok = {"year": 2018, "opens_on": "2018-01-01", "deadline": "2018-03-31"}
        self.assertEqual(self.api(self.pat, ok).status_code, 201)
        response = self.api(self.pat, ok)
        self.assertEqual(response.json(), {"year": ["2018年度的报送轮次已存在"]})
        self.assertEqual(AuditEvent.objects.filter(event="round_opened").count(), 1)

    def test_only_the_province_opens_a_round_even_through_the_service(self):
        with self.assertRaises(rounds.WorkflowError):
            rounds.open_round(year=2018, opens_on=dt.date(2018, 1, 1),
                              deadline=dt.date(2018, 3, 31), actor=self.alice)
        self.assertFalse(Round.objects.exists())


class ExtensionTests(RoundRulesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = Round.objects.create(year=2018, opens_on=dt.date(2018, 1, 1),
                                         deadline=dt.date(2018, 3, 31))

    def setUp(self) -> None:
        self.login(self.pat)

    def test_admin_refuses_an_extension_not_later_than_the_deadline(self):
        response = self.client.post(f"{ADMIN_EXTENSIONS}add/", {
            "round": self.round.pk, "base": self.base_a.pk, "deadline": "2018-03-31"})
        self.assertEqual(response.context["adminform"].form.errors,
                         {"deadline": ["延期日期须晚于统一截止日期 2018-03-31"]})
        self.assertFalse(Extension.objects.exists())
        response = self.client.post(f"{ADMIN_EXTENSIONS}add/", {
            "round": self.round.pk, "base": self.base_a.pk, "deadline": "2018-04-30",
            "note": "补报"})
        self.assertEqual(response.status_code, 302)
        extension = Extension.objects.get()
        self.assertEqual((extension.deadline, extension.granted_by), (dt.date(2018, 4, 30),
                                                                      self.pat))
        self.assertTrue(AuditEvent.objects.filter(event="extension_granted",
                                                  object_repr="round:2018/A001").exists())

    def test_no_extension_in_a_closed_round(self):
        self.client.post("/rounds/2018/", {"action": "close"})
        response = self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                                      "deadline": "2018-04-30"})
        self.assertContains(response, "2018年度的报送已关闭，不能延期")
        self.assertFalse(Extension.objects.exists())
        response = self.client.post(f"{ADMIN_EXTENSIONS}add/", {
            "round": self.round.pk, "base": self.base_a.pk, "deadline": "2018-04-30"})
        self.assertEqual(response.context["adminform"].form.non_field_errors(),
                         ["2018年度的报送已关闭，不能延期"])
        self.assertFalse(Extension.objects.exists())

    def test_granting_again_replaces_the_extension(self):
        for deadline in ("2018-04-30", "2018-05-31"):
            self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                               "deadline": deadline})
        self.assertEqual(list(Extension.objects.values_list("deadline", flat=True)),
                         [dt.date(2018, 5, 31)])

    def test_closing_and_reopening_are_audited_and_not_repeated(self):
        self.client.post("/rounds/2018/", {"action": "close"})
        with self.assertRaises(rounds.WorkflowError):
            rounds.close_round(round_=Round.objects.get(), actor=self.pat)
        self.client.post("/rounds/2018/", {"action": "reopen_round"})
        self.assertFalse(Round.objects.get().is_closed)
        self.assertEqual(list(AuditEvent.objects.filter(object_repr="round:2018")
                              .order_by("at", "id").values_list("event", flat=True)),
                         ["round_closed", "round_reopened"])


class LatenessTests(RoundRulesTestCase):
    """One rule: late when the first submission's local date is after the base's deadline
    (its extension's if any); the completeness page and the queue's filter agree."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = Round.objects.create(year=2018, opens_on=dt.date(2018, 1, 1),
                                         deadline=dt.date(2018, 3, 31))
        Extension.objects.create(round=cls.round, base=cls.base_a, deadline=dt.date(2018, 4, 30))
        # 1 April 00:30 in Shanghai is still 31 March in UTC: the local date counts.
        shanghai_april_first = dt.datetime(2018, 3, 31, 16, 30, tzinfo=dt.UTC)
        for base in (cls.base_a, cls.base_b):
            Report.objects.create(base=base, year=2018, status=Status.SUBMITTED,
                                  first_submitted_at=shanghai_april_first,
                                  submitted_at=timezone.now())

    def test_completeness_and_queue_agree(self):
        self.login(self.pat)
        summary = self.client.get("/rounds/2018/").context["summary"]
        late = {state.code: state.late for state in summary.bases}
        self.assertEqual(late, {"A001": False, "B001": True})

        def listed(timing: str) -> list[str]:
            page = self.client.get(f"/reports/?year=2018&timing={timing}").context["page"]
            return [report.base.code for report in page]

        self.assertEqual(listed("late"), ["B001"])
        self.assertEqual(listed("on_time"), ["A001"])
