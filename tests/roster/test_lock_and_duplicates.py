"""The year lock after approval (and its release on reopening), and enterprises resident in
two bases at once."""

import datetime as dt

from django.db import IntegrityError, transaction

from bases.hooks import year_locked
from bases.models import AuditEvent, Base
from bases.roster.models import Enterprise, EnterpriseYear
from bases.roster.services import ELSEWHERE, duplicates_for_year
from reporting.filing.services import reopen_report
from reporting.models import Report, Status
from tests.roster.helpers import RosterTestCase, credit_code, enterprise_form, figures


class YearLockTests(RosterTestCase):
    def test_figures_lock_when_the_report_is_approved_and_unlock_when_reopened(self):
        self.login(self.alice)
        url = f"/bases/A001/roster/{self.ent_a.pk}/years/2018/"
        self.client.post(url, figures(employees=25))
        report = Report.objects.create(base=self.base_a, year=2018, status=Status.APPROVED)
        self.assertTrue(year_locked(self.base_a, 2018))
        self.assertFalse(year_locked(self.base_b, 2018))
        self.assertFalse(year_locked(self.base_a, 2017))

        response = self.client.post(url, figures(employees=99))
        self.assertContains(response, "2018年度报表已审核，该年度名册数据已锁定，不能修改")
        self.assertEqual(EnterpriseYear.objects.get(enterprise=self.ent_a, year=2018).employees,
                         25)
        self.assertTrue(AuditEvent.objects.filter(event="roster_refused",
                                                  detail__contains="已锁定").exists())
        # Another year of the same base stays open.
        self.assertRedirects(self.client.post(
            f"/bases/A001/roster/{self.ent_a.pk}/years/2017/", figures()),
            f"/bases/A001/roster/{self.ent_a.pk}/")

        reopen_report(report=report, actor=self.pat, reason="数据需更正")
        self.assertFalse(year_locked(self.base_a, 2018))
        self.assertRedirects(self.client.post(url, figures(employees=99)),
                             f"/bases/A001/roster/{self.ent_a.pk}/")
        self.assertEqual(EnterpriseYear.objects.get(enterprise=self.ent_a, year=2018).employees,
                         99)


class DuplicatesTests(RosterTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # ent_a's code (n=1) also in base B from mid-2018; n=3 in A until 2018-03-01 and in B
        # from that day (a move, no common day); n=4 in A only.
        cls.twin = cls.make_enterprise(cls.base_b, 1, "湘江智造（株洲）",
                                       moved_in=dt.date(2018, 7, 1))
        cls.moved_a = cls.make_enterprise(cls.base_a, 3, "搬家公司", moved_in=dt.date(2015, 1, 1),
                                          moved_out=dt.date(2018, 3, 1))
        cls.moved_b = cls.make_enterprise(cls.base_b, 3, "搬家公司",
                                          moved_in=dt.date(2018, 3, 1))
        cls.make_enterprise(cls.base_a, 4, "独家公司")

    def test_overlapping_stays_are_duplicates_and_a_move_is_not(self):
        with self.assertNumQueries(1):
            found = duplicates_for_year(2018)
        self.assertEqual([(d.credit_code, sorted(e.base.code for e in d.entries))
                          for d in found], [(credit_code(1), ["A001", "B001"])])

    def test_no_duplicate_in_a_year_before_the_overlap(self):
        self.assertEqual(duplicates_for_year(2017), [])

    def test_a_base_sees_only_the_duplicates_that_concern_it(self):
        base_c = Base.objects.create(code="C001", name="岳麓众创空间", city=self.changsha)
        self.make_enterprise(base_c, 5, "另一家")
        self.assertEqual([d.credit_code for d in duplicates_for_year(2018, base=self.base_b)],
                         [credit_code(1)])
        with self.assertNumQueries(1):
            self.assertEqual(duplicates_for_year(2018, base=base_c), [])

    def test_same_base_twice_is_impossible(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.make_enterprise(self.base_a, 1, "同码企业")

    def test_province_page_lists_both_bases_by_city(self):
        self.login(self.pat)
        page = self.client.get("/roster/duplicates/?year=2018").content.decode()
        self.assertIn("<h2>长沙市</h2>", page)
        self.assertIn("<h2>株洲市</h2>", page)
        self.assertEqual(page.count(credit_code(1)), 2)
        self.assertNotIn(credit_code(3), page)
        self.assertIn('<label for="id_year">', page)

    def test_each_base_sees_its_own_entries_flagged_without_the_other_base(self):
        for user, code, flagged in ((self.alice, "A001", self.ent_a),
                                    (self.bob, "B001", self.twin)):
            self.login(user)
            with self.subTest(user=user.username):
                page = self.client.get(f"/bases/{code}/roster/?year=2018").content.decode()
                self.assertEqual(page.count(ELSEWHERE), 1)
                # Both are still resident: the unfiltered list flags this year's duplicates.
                page = self.client.get(f"/bases/{code}/roster/").content.decode()
                self.assertEqual(page.count(ELSEWHERE), 1)
                page = self.client.get(f"/bases/{code}/roster/?year=2017").content.decode()
                self.assertEqual(page.count(ELSEWHERE), 0)
                detail = self.client.get(
                    f"/bases/{code}/roster/{flagged.pk}/").content.decode()
                self.assertIn(ELSEWHERE, detail)
                self.assertNotIn(self.base_a.name if code == "B001" else self.base_b.name,
                                 detail)
        self.login(self.pat)
        detail = self.client.get(f"/bases/A001/roster/{self.ent_a.pk}/").content.decode()
        self.assertIn(self.base_b.name, detail)

    def test_adding_an_enterprise_resident_elsewhere_warns_but_saves(self):
        self.login(self.bob)
        response = self.client.post("/bases/B001/roster/new/", enterprise_form(
            credit_code=credit_code(4), moved_in="2019-01-01"), follow=True)
        self.assertTrue(Enterprise.objects.filter(base=self.base_b,
                                                  credit_code=credit_code(4)).exists())
        self.assertContains(response, ELSEWHERE)
        self.assertNotContains(response, self.base_a.name)

    def test_adding_an_enterprise_that_left_elsewhere_before_gives_no_warning(self):
        self.login(self.alice)
        response = self.client.post("/bases/A001/roster/new/", enterprise_form(
            credit_code=credit_code(2), moved_in="2010-01-01", moved_out="2016-03-01"),
            follow=True)
        self.assertTrue(Enterprise.objects.filter(base=self.base_a,
                                                  credit_code=credit_code(2)).exists())
        self.assertNotContains(response, ELSEWHERE)


class RosterQueryCountTests(RosterTestCase):
    def queries_for(self, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        # The session middleware saves the session now and then: not the page's cost.
        return sum(1 for query in queries.captured_queries
                   if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"])

    def test_roster_pages_cost_the_same_for_ten_or_forty_enterprises(self):
        self.login(self.pat)
        urls = ("/bases/A001/roster/?year=2018", "/bases/A001/roster/history/",
                "/roster/duplicates/?year=2018")
        for n in range(10, 20):
            self.make_enterprise(self.base_a, n)
            self.make_enterprise(self.base_b, n)
        small = [self.queries_for(url) for url in urls]
        for n in range(20, 50):
            self.make_enterprise(self.base_a, n)
            self.make_enterprise(self.base_b, n)
        self.assertEqual([self.queries_for(url) for url in urls], small)
