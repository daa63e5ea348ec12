"""The statistics cache (reporting/statistics/cache.py): a cached figure never differs from a
fresh computation, whatever sequence of approvals, reopenings, imports and base changes
came before; the refresh task leaves the default pages warm; a broker that is down never
breaks an approval."""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal
from unittest import mock

from django.core.cache import cache as django_cache

from bases.models import Base, City
from reporting.filing import services
from reporting.models import Report, Status
from reporting.statistics import annexes as fresh
from reporting.statistics import cache
from reporting.statistics.tasks import refresh_statistics
from reporting.workbook.importer import import_data_workbook
from tests.workbook.helpers import WorkbookTestCase, full_values, report_row

YEARS = (2016, 2017, 2018)
STATUSES = (Status.APPROVED, Status.SUBMITTED, Status.RETURNED, Status.DRAFT)


def random_values(rng: random.Random) -> dict:
    """A complete report (passes the hard checks) with a few figures drawn at random."""
    return full_values(
        building_area=Decimal(rng.randint(100_000, 9_000_000)) / 100,
        resident_enterprises=rng.randint(50, 90), employees=rng.randint(0, 5000),
        ent_revenue=Decimal(rng.randint(0, 10**8)) / 100, service_staff=rng.randint(1, 40),
        ent_profit=Decimal(rng.randint(-10**6, 10**6)) / 100,
        invention_patents=rng.choice([0, rng.randint(1, 9)]))


class CachedEqualsFresh(WorkbookTestCase):
    """Random sequences of the writes that change the figures; after each, every selection
    read through the cache equals a fresh computation."""

    def setUp(self) -> None:
        super().setUp()
        self.rng = random.Random(20261130)
        cities = list(City.objects.order_by("pk")[:3])
        self.bases = [self.base_a, self.base_b] + [
            Base.objects.create(code=f"R{i:03d}", name=f"随机基地{i}", city=cities[i % 3],
                                batch=1 + i % 2) for i in range(4)]
        for base in self.bases:
            for year in YEARS:
                if self.rng.random() < 0.8:
                    self.make_report(base, year, random_values(self.rng),
                                     status=self.rng.choice(STATUSES))

    # --- the writes ---------------------------------------------------------------------

    def approve(self) -> str:
        report = self.pick(Status.SUBMITTED)
        if report is None:
            return self.submit()
        services.approve_report(report=report, actor=self.pat, version=report.version)
        return f"approve {report}"

    def reopen(self) -> str:
        report = self.pick(Status.APPROVED)
        if report is None:
            return "reopen: none approved"
        services.reopen_report(report=report, actor=self.pat, reason="数据有误，重新填报",
                               version=report.version)
        return f"reopen {report}"

    def submit(self) -> str:
        """What the officer's submission does to the figures' sources (a preview counts it)."""
        report = self.pick(Status.DRAFT) or self.pick(Status.RETURNED)
        if report is None:
            return "submit: none open"
        report.status = Status.SUBMITTED
        report.version += 1
        report.save()
        return f"submit {report}"

    def import_(self) -> str:
        rows = [report_row(self.rng.choice(self.bases).code, self.rng.choice(YEARS),
                           random_values(self.rng)) for _ in range(self.rng.randint(1, 3))]
        unique = {(row[0], row[1]): row for row in rows}
        moved = self.rng.choice(self.bases)
        city = self.rng.choice(list(City.objects.order_by("pk")[:3]))
        bases = [[moved.code, f"{moved.name}新", city.name, "", self.rng.randint(1, 3)]]
        status = self.rng.choice((Status.APPROVED, Status.SUBMITTED, Status.DRAFT))
        path = self.write_book(f"import-{self.rng.random()}.xlsx", bases=bases,
                               reports=list(unique.values()))
        result = import_data_workbook(file=path, actor=self.pat, status=status)
        self.assertEqual([error.message for error in result.errors], [])
        return f"import {sorted(unique)} as {status}, {moved.code} to {city.name}"

    def rename(self) -> str:
        base = self.rng.choice(self.bases)
        base.refresh_from_db()
        base.name, base.batch = f"{base.name}*", self.rng.randint(1, 3)
        base.save()
        return f"rename {base.code}"

    def pick(self, status: str) -> Report | None:
        reports = list(Report.objects.filter(status=status).order_by("pk"))
        return self.rng.choice(reports) if reports else None

    # --- the check ----------------------------------------------------------------------

    def assert_cached_equals_fresh(self, step: str) -> None:
        city = City.objects.order_by("pk").first()
        some = City.objects.filter(pk__in=[self.base_a.city_id, self.base_b.city_id])
        for preview in (False, True):
            for year in YEARS:
                for compare, batch, city_id in ((year - 1, None, None), (year - 2, 1, None),
                                                (None, 2, city.pk)):
                    selection = {"year": year, "compare_year": compare, "cohort_batch": batch,
                                 "preview": preview, "city_id": city_id}
                    with self.subTest(step=step, **selection):
                        self.assertEqual(cache.compute_annexes(**selection),
                                         fresh.compute_annexes(**selection))
                for cities in (None, some):
                    with self.subTest(step=step, year=year, preview=preview, cities=cities):
                        self.assertEqual(
                            cache.compute_city_breakdown(year=year, preview=preview,
                                                         cities=cities),
                            fresh.compute_city_breakdown(year=year, preview=preview,
                                                         cities=cities))
                for top in (2, 100):
                    with self.subTest(step=step, year=year, preview=preview, top=top):
                        self.assertEqual(
                            cache.compute_rankings(year=year, top=top, preview=preview),
                            fresh.compute_rankings(year=year, top=top, preview=preview))

    def test_random_sequences_of_approve_reopen_import_keep_cached_equal_to_fresh(self):
        writes = [self.approve, self.approve, self.reopen, self.import_, self.submit,
                  self.rename]
        self.assert_cached_equals_fresh("start")
        for number in range(10):
            write = self.rng.choice(writes)
            # The refresh task runs as each write commits (eagerly: no broker in the tests).
            with self.captureOnCommitCallbacks(execute=True):
                step = f"{number}: {write()}"
            self.assert_cached_equals_fresh(step)


class RefreshTests(WorkbookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.approved = self.make_report(self.base_a, 2017, full_values())
        self.make_report(self.base_a, 2016, full_values(employees=100))
        self.submitted = self.make_report(self.base_b, 2017, full_values(employees=7),
                                          status=Status.SUBMITTED)
        self.login(self.pat)

    def no_fresh_computation(self):
        """Any computation of figures (rather than a cache read) fails the test."""
        failing = mock.Mock(side_effect=AssertionError("computed instead of read from cache"))
        return mock.patch.multiple(fresh, compute_annexes=failing,
                                   compute_city_breakdown=failing, compute_rankings=failing)

    def test_after_an_approval_the_refresh_leaves_every_default_page_warm(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.approve_report(report=self.submitted, actor=self.pat,
                                    version=self.submitted.version)
        expected = fresh.compute_annexes(year=2017, compare_year=2016, cohort_batch=None)
        self.assertEqual(expected.n, 2)
        with self.no_fresh_computation():
            for url in ("/statistics/?year=2017", "/statistics/rankings/?year=2017",
                        "/statistics/cities/?year=2017", "/statistics/?year=2017&preview=1",
                        "/statistics/charts.json?year=2018"):
                with self.subTest(url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)
            self.assertEqual(cache.compute_annexes(year=2017, compare_year=2016,
                                                   cohort_batch=None), expected)

    def test_a_change_without_any_refresh_is_never_served_stale(self):
        before = cache.compute_annexes(year=2017, compare_year=None, cohort_batch=None)
        services.reopen_report(report=self.approved, actor=self.pat, reason="更正",
                               version=self.approved.version)  # on_commit never runs here
        after = cache.compute_annexes(year=2017, compare_year=None, cohort_batch=None)
        self.assertEqual((before.n, after.n), (1, 0))

    def test_a_renamed_base_is_renamed_in_the_cached_rankings(self):
        first = cache.compute_rankings(year=2017, top=1)["resident_enterprises"][0]
        self.base_a.name = "长沙科技新城（更名）"
        self.base_a.save()
        renamed = cache.compute_rankings(year=2017, top=1)["resident_enterprises"][0]
        self.assertEqual((first.base_name, renamed.base_name),
                         ("长沙科技新城", "长沙科技新城（更名）"))

    def test_a_warm_selection_is_read_with_three_queries_whatever_the_size(self):
        cache.refresh(years=[2017])
        with self.no_fresh_computation(), self.assertNumQueries(3):
            # The fingerprint, the bases token, the cached figures.
            cache.compute_annexes(year=2017, compare_year=2016, cohort_batch=None)

    def test_a_burst_of_approvals_enqueues_one_refresh_while_one_is_pending(self):
        second = self.make_report(self.base_b, 2016, full_values(), status=Status.SUBMITTED)
        with mock.patch.object(refresh_statistics, "delay") as enqueue, \
                self.captureOnCommitCallbacks(execute=True):
            for report in (self.submitted, second):
                services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual([call.args for call in enqueue.call_args_list], [([2017],), ([2016],)])
        with mock.patch.object(refresh_statistics, "delay") as enqueue, \
                self.captureOnCommitCallbacks(execute=True):
            services.reopen_report(report=self.submitted, actor=self.pat, reason="更正")
        enqueue.assert_not_called()  # 2017's refresh is still pending
        refresh_statistics.apply(([2017],))  # the worker takes it: the next one may queue
        self.assertIsNone(django_cache.get(cache.PENDING_KEY.format(years="2017")))

    def embedded_charts(self, response) -> dict:
        """The charts' data as the page embeds it (inside the cached fragment)."""
        found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>',
                          response.content.decode(), re.S)
        return json.loads(found.group(1))

    def test_the_cached_page_fragment_follows_the_figures_and_the_viewers_city(self):
        url = "/statistics/?year=2017"
        before = self.embedded_charts(self.client.get(url))
        self.assertEqual(before, self.embedded_charts(self.client.get(url)))  # from cache
        services.approve_report(report=self.submitted, actor=self.pat,
                                version=self.submitted.version)  # no refresh runs here
        after = self.embedded_charts(self.client.get(url))
        self.assertNotEqual(after, before)
        self.assertEqual(after, self.client.get("/statistics/charts.json?year=2017").json())
        self.login(self.charlie)  # 株洲市: B's city, its own breakdown only
        theirs = self.embedded_charts(self.client.get(url))
        self.assertEqual(theirs, self.client.get("/statistics/charts.json?year=2017").json())
        cities = next(chart for chart in theirs["charts"] if chart["key"] == "cities")
        self.assertEqual(cities["labels"], ["株洲市"])

    def test_city_reviewers_of_two_cities_never_share_a_cached_fragment(self):
        url = "/statistics/?year=2017"
        for reviewer, city in ((self.rita, "长沙市"), (self.rex, "株洲市")):
            self.login(reviewer)
            charts = self.embedded_charts(self.client.get(url))
            cities = next(chart for chart in charts["charts"] if chart["key"] == "cities")
            self.assertEqual(cities["labels"], [city])

    def test_a_broker_that_is_down_never_breaks_an_approval(self):
        with mock.patch.object(refresh_statistics, "delay", side_effect=OSError("refused")), \
                self.assertLogs("reporting.statistics.cache", "ERROR") as logs, \
                self.captureOnCommitCallbacks(execute=True):
            services.approve_report(report=self.submitted, actor=self.pat,
                                    version=self.submitted.version)
        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.status, Status.APPROVED)
        self.assertIn("could not enqueue", logs.output[0])
        self.assertEqual(cache.compute_annexes(year=2017, compare_year=None,
                                               cohort_batch=None).n, 2)

    def test_the_cached_coverage_note_follows_rounds_approvals_and_bases(self):
        from reporting.filing import rounds
        from reporting.filing.selectors import year_coverage
        from reporting.models import Round

        def note() -> str | None:
            cached = cache.year_coverage(year=2017)
            self.assertEqual(cached, year_coverage([2017])[2017])
            return cached.note

        round_ = Round.objects.create(year=2017, opens_on="2017-12-01", deadline="2018-01-31")
        self.assertIn("已审核 1/2 家", note())
        self.assertIn("2017年度报送尚未关闭", note())
        services.approve_report(report=self.submitted, actor=self.pat,
                                version=self.submitted.version)
        self.assertIn("已审核 2/2 家", note())  # complete, but the round is still open
        rounds.close_round(round_=round_, actor=self.pat)
        self.assertIsNone(note())
        Base.objects.create(code="R900", name="新认定基地", city=self.base_a.city, batch=3)
        self.assertIn("已审核 2/3 家", note())

    def test_a_statistics_page_with_its_year_given_never_looks_up_the_default_year(self):
        from reporting.filing import selectors

        self.client.get("/statistics/?year=2017")
        with mock.patch.object(selectors, "default_year",
                               side_effect=AssertionError("default year looked up")):
            self.assertEqual(self.client.get("/statistics/?year=2017").status_code, 200)
