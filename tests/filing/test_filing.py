"""The officer files, the province reviews: the whole cycle through the web pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client

from bases.models import AuditEvent
from reporting.models import Extension, Report, ReportValue, Status, Transition
from tests.base import BaseTestCase, complete_values

URL = "/bases/A001/reports/2018/"


class FilingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018)

    def report(self) -> Report:
        return Report.objects.get(base=self.base_a, year=2018)

    def version(self) -> str:
        report = Report.objects.filter(base=self.base_a, year=2018).first()
        return str(report.version) if report else ""

    def post(self, action: str = "save", **values: object):
        data = {"action": action, "version": self.version(), **values}
        return self.client.post(URL, data)

    def save_complete(self, **overrides: object):
        return self.post("save", **complete_values(**overrides))

    def submit_complete(self, explanations: dict[str, str] | None = None, **overrides: object):
        extra = {f"explain__{k}": v for k, v in (explanations or {}).items()}
        return self.post("submit", **complete_values(**overrides), **extra)


class DraftTests(FilingTestCase):
    def test_officer_saves_a_partial_draft_and_sees_it_after_reload(self):
        self.login(self.alice)
        response = self.post("save", building_area="1234.56", service_staff="12")
        self.assertRedirects(response, URL)
        page = self.client.get(URL)
        self.assertContains(page, 'value="1234.56"')
        self.assertContains(page, 'value="12"')
        self.assertEqual(self.report().status, Status.DRAFT)
        self.assertEqual(ReportValue.objects.get(code="building_area").value, Decimal("1234.56"))

    def test_form_shows_units_last_years_value_and_change(self):
        previous = Report.objects.create(base=self.base_a, year=2017, status=Status.APPROVED)
        ReportValue.objects.create(report=previous, code="service_staff", value=8)
        self.login(self.alice)
        self.post("save", service_staff="10")
        page = self.client.get(URL).content.decode()
        self.assertIn("（人）", page)
        self.assertIn("上年：8，变化 25.0%", page)

    def test_derived_patents_are_shown_not_typed(self):
        self.login(self.alice)
        self.post("save", invention_patents="2", utility_model_patents="3", design_patents="4")
        page = self.client.get(URL).content.decode()
        self.assertNotIn('name="patents"', page)
        self.assertIn("自动计算", page)
        self.assertRegex(page, r'class="value">9<')

    def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(self):
        self.login(self.alice)
        cases = {
            "building_area": ("abc", "必须是数字"),
            "operator_revenue": ("1.234", "最多保留2位小数"),
            "service_staff": ("-3", "不能小于0"),
            "certified_mentors": ("2.5", "必须是整数"),
            "employees": ("100000000000000", "数值过大"),
            "has_service_platform": ("maybe", "选择一个有效的选项"),
        }
        for code, (raw, message) in cases.items():
            with self.subTest(code=code):
                response = self.post("save", **{code: raw})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertFalse(Report.objects.exists())

    def test_missing_csrf_token_gets_a_chinese_page_not_a_server_error(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post(URL, {"action": "save", "building_area": "1"})
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "请求已过期", status_code=403)

    def test_stale_version_is_refused_and_nothing_is_overwritten(self):
        self.login(self.alice)
        self.post("save", building_area="100")
        stale = self.version()
        self.post("save", building_area="200")
        response = self.client.post(URL, {"action": "save", "version": stale,
                                          "building_area": "300"})
        self.assertContains(response, "报表已被他人修改")
        self.assertEqual(ReportValue.objects.get(code="building_area").value, Decimal("200"))

    def test_officer_of_another_base_gets_404_for_read_and_write(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertEqual(self.client.post(URL, {"action": "save"}).status_code, 404)
        self.assertFalse(Report.objects.exists())

    def test_city_viewer_reads_but_cannot_write(self):
        self.login(self.alice)
        self.save_complete()
        version = self.version()
        self.login(self.carol)
        page = self.client.get(URL)
        self.assertNotContains(page, 'name="action"')
        # Carol sees the report: her role is refused (403, audited), nothing is saved.
        response = self.post("save", building_area="1")
        self.assertContains(response, "只有基地信息管理员可以修改报表", status_code=403)
        self.assertEqual(self.version(), version)
        self.assertTrue(AuditEvent.objects.filter(event="role_denied", actor_username="carol",
                                                  outcome="denied").exists())

    def test_no_round_no_filing(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/bases/A001/reports/2030/").status_code, 404)


class HardCheckTests(FilingTestCase):
    def assert_blocked(self, code: str, message: str, **overrides: object) -> None:
        self.login(self.alice)
        response = self.submit_complete(**overrides)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertContains(response, f'id="row-{code}"')
        self.assertFalse(Report.objects.filter(status=Status.SUBMITTED).exists())

    def test_required_field_missing(self):
        self.assert_blocked("employees", "就业人数：必填", employees="")

    def test_standard_factory_area_above_building_area(self):
        self.assert_blocked("standard_factory_area", "不能大于“建筑面积”",
                            standard_factory_area="130000")

    def test_service_revenue_above_revenue(self):
        self.assert_blocked("service_revenue", "不能大于“运营单位营业收入”",
                            service_revenue="5000.01")

    def test_small_micro_above_resident(self):
        self.assert_blocked("small_micro_enterprises", "不能大于“入驻企业户数”",
                            small_micro_enterprises="81")

    def test_reporting_above_resident(self):
        self.assert_blocked("reporting_enterprises", "不能大于“入驻企业户数”",
                            reporting_enterprises="81")

    def test_high_tech_above_reporting(self):
        self.assert_blocked("high_tech_enterprises", "不能大于“报送企业户数”",
                            high_tech_enterprises="61")

    def test_interconnected_without_platform(self):
        self.assert_blocked("platform_interconnected", "只有“已建立基地公共服务平台”为“是”",
                            has_service_platform="false")

    def test_enterprises_served_without_sessions(self):
        self.assert_blocked("svc_info_enterprises", "信息服务开展服务活动场次为0时",
                            svc_info_sessions="0", svc_info_enterprises="5")

    def test_failed_submit_saves_nothing(self):
        self.login(self.alice)
        self.post("save", building_area="1")
        self.submit_complete(employees="")
        self.assertEqual(ReportValue.objects.get(code="building_area").value, Decimal("1"))


class SoftCheckTests(FilingTestCase):
    def approved_2017(self, **values: int) -> None:
        previous = Report.objects.create(base=self.base_a, year=2017, status=Status.APPROVED)
        ReportValue.objects.bulk_create(ReportValue(report=previous, code=c, value=v)
                                        for c, v in values.items())

    def assert_needs_explanation(self, check: str, **overrides: object) -> None:
        self.login(self.alice)
        response = self.submit_complete(**overrides)
        self.assertContains(response, f'name="explain__{check}"')
        self.assertEqual(Report.objects.filter(status=Status.SUBMITTED).count(), 0)
        response = self.submit_complete({check: "新建园区投入使用"}, **overrides)
        self.assertRedirects(response, URL)
        report = self.report()
        self.assertEqual(report.status, Status.SUBMITTED)
        self.assertEqual(report.explanations, {check: "新建园区投入使用"})

    def test_change_of_more_than_half_against_last_year(self):
        self.approved_2017(service_staff=10)
        self.assert_needs_explanation("yoy_change:service_staff", service_staff="16")

    def test_a_refused_figure_is_not_also_asked_for_an_explanation(self):
        self.approved_2017(high_tech_enterprises=10, service_staff=10)
        self.login(self.alice)
        response = self.submit_complete(high_tech_enterprises="61", service_staff="16")
        self.assertContains(response, "不能大于“报送企业户数”")
        self.assertNotContains(response, 'name="explain__yoy_change:high_tech_enterprises"')
        # A figure that passed the hard checks still asks for its explanation.
        self.assertContains(response, 'name="explain__yoy_change:service_staff"')

    def test_small_figures_do_not_trigger_change_check(self):
        self.approved_2017(certified_mentors=2)
        self.login(self.alice)
        self.assertRedirects(self.submit_complete(certified_mentors="6"), URL)

    def test_service_revenue_above_half_of_revenue(self):
        self.assert_needs_explanation("service_revenue_share:service_revenue",
                                      service_revenue="2600")

    def test_more_than_100_enterprises_per_session(self):
        self.assert_needs_explanation("served_per_session:svc_training_enterprises",
                                      svc_training_sessions="2", svc_training_enterprises="201")

    def test_figure_above_ten_times_province_median(self):
        for code, value in (("A002", 10), ("A003", 12), ("A004", 14)):
            base = self.base_a.__class__.objects.create(code=code, name=code, city=self.changsha)
            report = Report.objects.create(base=base, year=2017, status=Status.APPROVED)
            ReportValue.objects.create(report=report, code="tech_centers", value=value)
        self.assert_needs_explanation("median_outlier:tech_centers", tech_centers="121")

    def test_reviewer_sees_the_explanation_beside_the_figure(self):
        self.login(self.alice)
        self.submit_complete({"service_revenue_share:service_revenue": "咨询收入占比高"},
                             service_revenue="2600")
        self.login(self.pat)
        page = self.client.get(URL).content.decode()
        row = page[page.index('id="row-service_revenue"'):]
        row = row[:row.index('id="row-service_expenditure"')]
        self.assertIn("情况说明：咨询收入占比高", row)


class DeadlineTests(FilingTestCase):
    def test_after_the_deadline_submission_is_refused_naming_it_but_drafts_save(self):
        self.round.deadline = dt.date(2018, 3, 31)
        self.round.save()
        self.login(self.alice)
        response = self.submit_complete()
        self.assertContains(response, "报送截止日期（2018年3月31日）已过", status_code=409)
        self.assertFalse(Report.objects.exists())
        self.assertRedirects(self.save_complete(), URL)
        self.assertEqual(self.report().status, Status.DRAFT)

    def test_an_extension_lets_one_base_submit_later(self):
        self.round.deadline = dt.date(2018, 3, 31)
        self.round.save()
        self.login(self.pat)
        response = self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                                      "deadline": "2099-01-01", "note": "补报"})
        self.assertRedirects(response, "/rounds/2018/")
        self.assertEqual(Extension.objects.get().deadline, dt.date(2099, 1, 1))
        self.login(self.alice)
        self.assertRedirects(self.submit_complete(), URL)
        self.login(self.bob)
        response = self.client.post("/bases/B001/reports/2018/",
                                    {"action": "submit", "version": "", **complete_values()})
        self.assertContains(response, "已过", status_code=409)

    def test_extension_must_be_after_the_round_deadline(self):
        self.login(self.pat)
        response = self.client.post("/rounds/2018/", {"action": "extend", "base": "A001",
                                                      "deadline": "2000-01-01"})
        self.assertContains(response, "延期日期须晚于统一截止日期")

    def test_closed_round_refuses_drafts(self):
        self.login(self.pat)
        self.client.post("/rounds/2018/", {"action": "close"})
        self.login(self.alice)
        response = self.client.post(URL, {"action": "save", "building_area": "1"})
        self.assertContains(response, "2018年度的报送已关闭", status_code=409)
        self.assertFalse(Report.objects.exists())


class ReviewCycleTests(FilingTestCase):
    def review(self, action: str, **data: str):
        return self.client.post(f"{URL}review/", {"action": action,
                                                  "version": self.version(), **data})

    def test_the_whole_cycle_through_the_web_pages(self):
        self.login(self.alice)
        self.assertRedirects(self.submit_complete(), URL)
        self.assertContains(self.client.get(URL), "已提交")

        self.login(self.pat)
        queue = self.client.get("/reports/?year=2018")
        self.assertContains(queue, "长沙科技新城")
        response = self.review("return", comment="请核实面积",
                               comment__building_area="与规划证不一致")
        self.assertRedirects(response, URL)
        self.assertEqual(self.report().status, Status.RETURNED)

        self.login(self.alice)
        page = self.client.get(URL).content.decode()
        self.assertIn("请核实面积", page)
        row = page[page.index('id="row-building_area"'):]
        self.assertIn("审核意见：与规划证不一致", row[:row.index('id="row-standard_factory')])
        self.assertRedirects(self.submit_complete(building_area="110000.00"), URL)

        self.login(self.pat)
        page = self.client.get(URL).content.decode()
        self.assertIn("与上次提交相比的变化", page)
        changes = page[page.index("与上次提交相比的变化"):page.index("</table>",
                                                            page.index("与上次提交相比的变化"))]
        # Shown as the form shows figures, with thousands separators.
        self.assertIn("120,000.50", changes)
        self.assertIn("→ 110,000.00", changes)
        self.assertRedirects(self.review("approve"), URL)
        self.assertEqual(self.report().status, Status.APPROVED)

        self.login(self.alice)
        self.assertNotContains(self.client.get(URL), 'name="action"')
        self.assertEqual(self.post("save", building_area="1").status_code, 409)

        self.login(self.pat)
        self.assertRedirects(self.review("reopen", comment="数据需更正"), URL)
        report = self.report()
        self.assertEqual((report.status, report.review_comment), (Status.RETURNED, "数据需更正"))
        actions = list(report.transitions.values_list("action", "actor__username"))
        self.assertEqual(actions, [("create", "alice"), ("submit", "alice"), ("return", "pat"),
                                   ("submit", "alice"), ("approve", "pat"), ("reopen", "pat")])
        approve = report.transitions.get(action=Transition.Action.APPROVE)
        self.assertEqual(approve.snapshot["building_area"], "110000.00")

    def test_approving_a_stale_version_is_refused(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)
        stale = self.version()
        Report.objects.filter(pk=self.report().pk).update(version=int(stale) + 1)
        self.client.post(f"{URL}review/", {"action": "approve", "version": stale})
        self.assertEqual(self.report().status, Status.SUBMITTED)

    def test_reopen_needs_a_reason(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)
        self.review("approve")
        response = self.review("reopen", comment=" ")
        self.assertEqual(self.report().status, Status.APPROVED)
        self.assertContains(self.client.get(response.url), "须填写原因")

    def test_officer_cannot_review(self):
        self.login(self.alice)
        self.submit_complete()
        response = self.review("approve")
        self.assertContains(response, "只有省级管理员可以审核报表", status_code=403)
        self.assertEqual(self.report().status, Status.SUBMITTED)


class ProvincePagesTests(FilingTestCase):
    def test_completeness_counts_states_by_city_and_lists_missing_bases(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)
        page = self.client.get("/rounds/2018/")
        summary = page.context["summary"]
        self.assertEqual(summary.total.counts, {"not_started": 1, "draft": 0, "submitted": 1,
                                                "returned": 0, "approved": 0})
        self.assertEqual(summary.total.on_time, 1)
        self.assertEqual([t.label for t in summary.by_city], ["长沙市", "株洲市"])
        self.assertEqual([b.code for b in summary.missing], ["B001"])

    def test_completeness_exports_to_xlsx(self):
        import io

        from openpyxl import load_workbook

        self.login(self.pat)
        response = self.client.get("/rounds/2018/completeness.xlsx")
        workbook = load_workbook(io.BytesIO(response.content))
        self.assertEqual(workbook.sheetnames, ["按市州", "未提交基地"])
        self.assertEqual(workbook["按市州"]["A4"].value, "全省")
        self.assertEqual(workbook["按市州"]["B4"].value, 2)
        self.assertEqual(workbook["未提交基地"]["A2"].value, "A001")

    def test_queue_filters_by_status_and_city(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)
        self.assertContains(self.client.get("/reports/?year=2018&status=submitted"), "长沙科技新城")
        self.assertNotContains(self.client.get(f"/reports/?year=2018&city={self.zhuzhou.pk}"),
                               "长沙科技新城")
        self.assertContains(self.client.get("/reports/?year=2018&timing=on_time"), "长沙科技新城")
        self.assertNotContains(self.client.get("/reports/?year=2018&timing=late"), "长沙科技新城")

    def test_province_admin_opens_a_round(self):
        self.login(self.pat)
        response = self.client.post("/rounds/", {"year": "2019", "opens_on": "2020-01-01",
                                                 "deadline": "2020-03-31"})
        self.assertRedirects(response, "/rounds/2019/")
        response = self.client.post("/rounds/", {"year": "2020", "opens_on": "2020-01-01",
                                                 "deadline": "2019-03-31"})
        self.assertContains(response, "截止日期不能早于开始日期")
