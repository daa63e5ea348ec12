"""Two-level review (SPEC 11) through the services and the pages: the city reviewer returns or
passes, the province approves what the city passed (or overrides with a reason), each level's
step is in the history, and a reopened report goes back through the city."""

from __future__ import annotations

import datetime as dt

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import services
from reporting.filing.policy import Kind, PolicyDenied
from reporting.models import Report, Status, Transition
from reporting.statistics.annexes import source_reports
from tests.base import BaseTestCase, complete_values

VALUES = {code: indicators.BY_CODE[code].parse(raw) for code, raw in complete_values().items()}
PAGE = "/bases/A001/reports/2018/"


class TwoLevelTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018, review_levels=2)

    def submitted(self, base=None) -> Report:
        base = base or self.base_a
        officer = self.alice if base == self.base_a else self.bob
        report = services.save_draft(base=base, year=2018, actor=officer, values=VALUES,
                                     version=None)
        return services.submit_report(report=report, actor=officer, version=report.version)

    def city_approved(self, opinion: str = "数据与台帐一致") -> Report:
        report = self.submitted()
        return services.city_approve_report(report=report, actor=self.rita,
                                            version=report.version, comment=opinion)

    def review(self, action: str, report: Report, **data):
        return self.client.post(f"{PAGE}review/", {"action": action, "version": report.version,
                                                  **data})


class CityReviewServiceTests(TwoLevelTestCase):
    def test_city_pass_then_province_approval_records_each_level_in_the_history(self):
        report = self.city_approved()
        self.assertEqual((report.status, report.city_opinion),
                         (Status.CITY_APPROVED, "数据与台帐一致"))
        report = services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual(report.status, Status.APPROVED)
        steps = [(t.action, t.from_status, t.to_status, t.actor.username, t.comment)
                 for t in report.transitions.all()]
        self.assertEqual(steps[1:], [
            ("submit", "draft", "submitted", "alice", ""),
            ("city_approve", "submitted", "city_approved", "rita", "数据与台帐一致"),
            ("approve", "city_approved", "approved", "pat", ""),
        ])
        self.assertTrue(AuditEvent.objects.filter(event="report_city_approved",
                                                  actor_username="rita").exists())

    def test_province_cannot_approve_what_the_city_has_not_passed_without_a_reason(self):
        report = self.submitted()
        with self.assertRaises(PolicyDenied) as caught:
            services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual(caught.exception.decision.kind, Kind.STATE)
        self.assertIn("越级审核", str(caught.exception))
        with self.assertRaises(PolicyDenied):
            services.approve_report(report=report, actor=self.pat, version=report.version,
                                    override_reason="   ")
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)

    def test_override_with_a_reason_approves_and_is_audited_with_the_reason(self):
        report = self.submitted()
        report = services.approve_report(report=report, actor=self.pat, version=report.version,
                                         override_reason="长沙市逾期未审")
        self.assertEqual(report.status, Status.APPROVED)
        last = report.transitions.last()
        self.assertEqual((last.action, last.from_status, last.comment),
                         ("approve", "submitted", "越级审核：长沙市逾期未审"))
        event = AuditEvent.objects.get(event="report_approved_override")
        self.assertEqual((event.actor_username, event.detail), ("pat", "长沙市逾期未审"))

    def test_province_returns_a_city_approved_report_and_the_officer_sees_why(self):
        report = self.city_approved()
        report = services.return_report(report=report, actor=self.pat, version=report.version,
                                        comment="从业人员与名册不符",
                                        field_comments={"employees": "请核对"})
        self.assertEqual(report.status, Status.RETURNED)
        last = report.transitions.last()
        self.assertEqual((last.action, last.from_status, last.actor), ("return", "city_approved",
                                                                       self.pat))
        self.login(self.rita)  # the city sees why
        self.assertContains(self.client.get(PAGE), "从业人员与名册不符")

    def test_city_return_is_the_citys_step_with_field_comments(self):
        report = self.submitted()
        report = services.return_report(report=report, actor=self.rita, version=report.version,
                                        comment="", field_comments={"employees": "与名册不符"})
        self.assertEqual((report.status, report.field_comments),
                         (Status.RETURNED, {"employees": "与名册不符"}))
        self.assertEqual(report.transitions.last().action, Transition.Action.CITY_RETURN)
        self.login(self.alice)
        page = self.client.get(PAGE)
        self.assertContains(page, "市州审核员对 1 项数据提出了意见")
        self.assertContains(page, "与名册不符")

    def test_another_citys_reviewer_cannot_touch_the_report(self):
        report = self.submitted()
        with self.assertRaises(PolicyDenied) as caught:
            services.city_approve_report(report=report, actor=self.rex, version=report.version)
        self.assertEqual(caught.exception.decision.kind, Kind.SCOPE)
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)

    def test_stale_version_is_refused_and_nothing_changes(self):
        report = self.submitted()
        with self.assertRaises(services.StaleVersion):
            services.city_approve_report(report=report, actor=self.rita,
                                         version=report.version - 1)
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)

    def test_a_reopened_report_goes_back_through_the_city(self):
        report = self.city_approved()
        report = services.approve_report(report=report, actor=self.pat, version=report.version)
        report = services.reopen_report(report=report, actor=self.pat, reason="数据有误",
                                        version=report.version)
        report = services.submit_report(report=report, actor=self.alice, version=report.version)
        self.assertEqual((report.status, report.city_opinion), (Status.SUBMITTED, ""))
        with self.assertRaises(PolicyDenied):
            services.approve_report(report=report, actor=self.pat, version=report.version)
        report = services.city_approve_report(report=report, actor=self.rita,
                                              version=report.version)
        report = services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual(report.status, Status.APPROVED)

    def test_one_level_round_keeps_the_city_reviewer_reading(self):
        self.round.review_levels = 1
        self.round.save()
        report = self.submitted()
        with self.assertRaises(PolicyDenied) as caught:
            services.city_approve_report(report=report, actor=self.rita, version=report.version)
        self.assertIn("一级审核", str(caught.exception))
        report = services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual(report.status, Status.APPROVED)

    def test_preview_statistics_count_city_approved_reports_published_ones_do_not(self):
        report = self.city_approved()
        self.assertIn(report, source_reports(year=2018, preview=True))
        self.assertNotIn(report, source_reports(year=2018, preview=False))


class CityReviewPageTests(TwoLevelTestCase):
    def test_city_reviewer_passes_from_the_review_page_with_an_opinion(self):
        report = self.submitted()
        self.login(self.rita)
        page = self.client.get(PAGE)
        self.assertContains(page, 'value="city_approve"')
        self.assertNotContains(page, 'value="approve"')
        response = self.review("city_approve", report, comment="已核对")
        self.assertRedirects(response, "/city/reviews/")
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.CITY_APPROVED)

    def test_province_page_shows_the_citys_opinion_at_the_top(self):
        self.city_approved("与台帐核对一致，同意上报")
        self.login(self.pat)
        page = self.client.get(PAGE).content.decode()
        self.assertIn('id="city-opinion"', page)
        self.assertIn("与台帐核对一致，同意上报", page)
        self.assertLess(page.index('id="city-opinion"'), page.index('id="review"'))
        self.assertIn("rita", page[page.index('id="history"'):])
        self.assertIn("市州初审通过", page)

    def test_province_page_offers_the_override_only_for_a_report_the_city_has_not_passed(self):
        report = self.submitted()
        self.login(self.pat)
        page = self.client.get(PAGE)
        self.assertContains(page, 'value="override"')
        self.assertNotContains(page, 'value="approve"')
        response = self.review("override", report, comment="")
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.SUBMITTED)
        self.assertContains(self.client.get(response.url), "越级审核须填写原因")
        self.review("override", report, comment="市州逾期")
        self.assertEqual(Report.objects.get(pk=report.pk).status, Status.APPROVED)

    def test_city_queue_lists_own_city_overdue_first(self):
        from bases.models import Base

        second = Base.objects.create(code="A002", name="长沙二号基地", city=self.changsha)
        older = self.submitted()
        officer = self.make_user("ann", "officer", base=second)
        newer = services.save_draft(base=second, year=2018, actor=officer, values=VALUES,
                                    version=None)
        newer = services.submit_report(report=newer, actor=officer, version=newer.version)
        self.submitted(self.base_b)  # 株洲市: not rita's
        self.login(self.rita)
        rows = self.client.get("/city/reviews/").context["rows"]
        self.assertEqual([row["report"] for row in rows], [older, newer])
        self.assertFalse(rows[0]["overdue"])
        self.round.city_review_deadline = dt.date(2001, 1, 1)
        self.round.deadline = dt.date(2000, 12, 31)
        self.round.save()
        page = self.client.get("/city/reviews/")
        self.assertTrue(all(row["overdue"] for row in page.context["rows"]))
        self.assertContains(page, "已逾期")

    def test_city_queue_is_the_city_reviewers_only(self):
        for persona in (self.carol, self.pat, self.alice):
            self.login(persona)
            self.assertEqual(self.client.get("/city/reviews/").status_code, 404)
        self.login(self.rita)
        self.assertRedirects(self.client.get("/"), "/city/reviews/")
