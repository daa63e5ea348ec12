"""The review mode as a round option (reporting.filing.rounds): chosen when the round opens, on
the pages, in the admin and through the API; fixed once a city has reviewed a report; the city
review column of the completeness page; the city reviewer's account."""

from __future__ import annotations

import datetime as dt
import io

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import AuditEvent, Role, User
from reporting import indicators
from reporting.filing import rounds, services
from reporting.filing.completeness import completeness
from reporting.models import Round
from tests.base import BaseTestCase, complete_values, sign_in

VALUES = {code: indicators.BY_CODE[code].parse(raw) for code, raw in complete_values().items()}
LOCKED = "已有报表经市州审核，不能再更改审核方式"


class RoundOptionTests(BaseTestCase):
    def api(self, data: dict):
        cache.clear()
        client = APIClient()
        token = Token.objects.get_or_create(user=self.pat)[0]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post("/api/v1/rounds/", data, format="json")

    def test_one_level_is_the_default_and_two_level_defaults_its_city_deadline(self):
        one = rounds.open_round(year=2018, opens_on=dt.date(2019, 1, 1),
                                deadline=dt.date(2019, 3, 31), actor=self.pat)
        self.assertEqual((one.review_levels, one.city_review_deadline), (1, None))
        two = rounds.open_round(year=2019, opens_on=dt.date(2020, 1, 1),
                                deadline=dt.date(2020, 3, 31), actor=self.pat, review_levels=2)
        self.assertEqual(two.city_review_deadline, dt.date(2020, 4, 10))
        event = AuditEvent.objects.get(event="round_opened", object_repr="round:2019")
        self.assertIn("两级审核，市州审核截止 2020-04-10", event.detail)

    def test_api_opens_a_two_level_round_and_names_bad_fields(self):
        response = self.api({"year": 2018, "opens_on": "2019-01-01", "deadline": "2019-03-31",
                             "review_levels": 2, "city_review_deadline": "2019-04-30"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["review_levels"],
                          response.json()["city_review_deadline"]), (2, "2019-04-30"))
        response = self.api({"year": 2019, "opens_on": "2020-01-01", "deadline": "2020-03-31",
                             "review_levels": 3})
        self.assertEqual(response.status_code, 400)
        self.assertIn("review_levels", response.json())
        response = self.api({"year": 2019, "opens_on": "2020-01-01", "deadline": "2020-03-31",
                             "review_levels": 2, "city_review_deadline": "2020-03-01"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(),
                         {"city_review_deadline": ["市州审核截止日期不能早于报送截止日期"]})
        self.assertEqual(list(Round.objects.values_list("year", flat=True)), [2018])

    def test_round_pages_open_and_show_a_two_level_round(self):
        self.login(self.pat)
        response = self.client.post("/rounds/", {"year": "2018", "opens_on": "2019-01-01",
                                                 "deadline": "2019-03-31", "review_levels": "2"})
        self.assertRedirects(response, "/rounds/2018/")
        page = self.client.get("/rounds/2018/")
        self.assertContains(page, "两级审核（市州初审、省级审核），市州审核截止 2019年4月10日")
        self.assertContains(page, "待市州审核")


class ModeLockTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018, review_levels=2)

    def city_review(self) -> None:
        report = services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                                     values=VALUES, version=None)
        report = services.submit_report(report=report, actor=self.alice, version=report.version)
        services.return_report(report=report, actor=self.rita, version=report.version,
                               comment="请核实")

    def change_mode(self, levels: int) -> Round:
        return rounds.reschedule_round(round_=self.round, opens_on=self.round.opens_on,
                                       deadline=self.round.deadline, actor=self.pat,
                                       review_levels=levels)

    def test_mode_changes_until_a_city_has_reviewed_a_report(self):
        self.assertEqual(self.change_mode(1).review_levels, 1)
        self.assertEqual(self.change_mode(2).review_levels, 2)
        self.city_review()
        with self.assertRaises(ValidationError) as caught:
            self.change_mode(1)
        self.assertEqual(caught.exception.message_dict, {"review_levels": [LOCKED]})
        self.round.refresh_from_db()
        self.assertEqual(self.round.review_levels, 2)
        # The city review deadline may still move.
        moved = rounds.reschedule_round(round_=self.round, opens_on=self.round.opens_on,
                                        deadline=self.round.deadline, actor=self.pat,
                                        review_levels=2,
                                        city_review_deadline=dt.date(2100, 2, 1))
        self.assertEqual(moved.city_review_deadline, dt.date(2100, 2, 1))

    def test_round_page_refuses_the_change_naming_the_field(self):
        self.city_review()
        self.login(self.pat)
        response = self.client.post("/rounds/2018/", {"action": "review", "review_levels": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["mode_form"].errors, {"review_levels": [LOCKED]})
        self.round.refresh_from_db()
        self.assertEqual(self.round.review_levels, 2)

    def test_admin_refuses_the_change_naming_the_field(self):
        self.city_review()
        self.login(self.pat)
        response = self.client.post(f"/admin/reporting/round/{self.round.pk}/change/", {
            "opens_on": "2000-01-01", "deadline": "2099-12-31", "review_levels": "1"})
        self.assertEqual(response.context["adminform"].form.errors,
                         {"review_levels": [LOCKED]})
        self.round.refresh_from_db()
        self.assertEqual(self.round.review_levels, 2)


class CityReviewCompletenessTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018, review_levels=2, deadline=dt.date(2099, 1, 1),
                                   city_review_deadline=dt.date(2099, 1, 11))

    def submit(self, base, officer):
        report = services.save_draft(base=base, year=2018, actor=officer, values=VALUES,
                                     version=None)
        return services.submit_report(report=report, actor=officer, version=report.version)

    def test_city_review_column_counts_awaiting_passed_returned_and_overdue(self):
        a = self.submit(self.base_a, self.alice)
        b = self.submit(self.base_b, self.bob)
        summary = completeness(self.round, today=dt.date(2099, 1, 12))
        self.assertEqual(summary.total.city_review,
                         {"awaiting": 2, "passed": 0, "returned": 0, "overdue": 2})
        a = services.city_approve_report(report=a, actor=self.rita, version=a.version)
        services.approve_report(report=a, actor=self.pat, version=a.version)
        services.return_report(report=b, actor=self.rex, version=b.version, comment="请核实")
        summary = completeness(self.round, today=dt.date(2099, 1, 5))
        by_city = {t.label: t.city_review for t in summary.by_city}
        self.assertEqual(by_city["长沙市"], {"awaiting": 0, "passed": 1, "returned": 0,
                                            "overdue": 0})
        self.assertEqual(by_city["株洲市"], {"awaiting": 0, "passed": 0, "returned": 1,
                                            "overdue": 0})
        self.assertEqual(summary.total.counts["approved"], 1)

    def test_completeness_workbook_has_the_city_review_columns(self):
        self.submit(self.base_a, self.alice)
        self.login(self.pat)
        response = self.client.get("/rounds/2018/completeness.xlsx")
        sheet = load_workbook(io.BytesIO(response.content))["按市州"]
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(header[-5:], ["合计", "待市州审核", "市州已通过", "市州退回",
                                       "市州逾期未审"])
        self.assertIn("市州已初审", header)
        total = [cell.value for cell in sheet[sheet.max_row]]
        self.assertEqual((total[0], total[-4]), ("全省", 1))

    def test_query_count_does_not_grow_with_the_reports(self):
        self.submit(self.base_a, self.alice)
        # Bases, reports (with the city review in subqueries), imported reports, extensions.
        with self.assertNumQueries(4):
            completeness(self.round)

    def test_one_level_round_has_no_city_approved_state_nor_column(self):
        one = self.open_round(2019)
        summary = completeness(one)
        self.assertNotIn("city_approved", summary.total.counts)
        self.login(self.pat)
        self.assertNotContains(self.client.get("/rounds/2019/"), "待市州审核")


class CityReviewerAccountTests(BaseTestCase):
    def test_create_account_knows_the_city_reviewer(self):
        out = io.StringIO()
        call_command("create_account", "liu", "--role", "city_reviewer", "--city", "长沙市",
                     stdout=out)
        self.assertIn("市州审核员", out.getvalue())
        liu = User.objects.get(username="liu")
        self.assertEqual((liu.role, liu.city, liu.base), (Role.CITY_REVIEWER, self.changsha,
                                                          None))
        with self.assertRaisesMessage(CommandError, "市州审核员必须指定 --city"):
            call_command("create_account", "wu", "--role", "city_reviewer", stdout=io.StringIO())
        self.assertFalse(User.objects.filter(username="wu").exists())

    def test_security_admin_creates_a_city_reviewer_in_the_admin(self):
        sign_in(self.client, self.sam)
        password = "Jade-River-2024"
        response = self.client.post("/admin/bases/user/add/", {
            "username": "zhao", "password1": password, "password2": password,
            "role": "city_reviewer", "city": self.zhuzhou.pk})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(username="zhao").city, self.zhuzhou)

    def test_city_reviewer_reads_like_the_city_viewer(self):
        self.login(self.rita)
        self.assertEqual(self.client.get("/bases/A001/").status_code, 200)
        self.assertEqual(self.client.get("/bases/B001/").status_code, 404)
        self.assertEqual(self.client.get("/statistics/").status_code, 200)
