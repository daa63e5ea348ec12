"""The officer's form and the records: "台帐"/"名册" beside each figure, the fill buttons (a
draft save, audited as a fill), and the "本年度台帐完整"/"本年度名册完整" soft check."""

from __future__ import annotations

import datetime as dt

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import services
from reporting.filing.forms import as_form_text
from reporting.filing.prefill import prefill_for
from reporting.models import Report, Status
from tests.base import BaseTestCase, complete_values
from tests.filing.prefill_helpers import activity, enterprise, institution


def parsed(form_values: dict[str, str]) -> dict:
    return {code: indicators.BY_CODE[code].parse(text) for code, text in form_values.items()}


class PrefillFormTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        activity(cls.base_a, dt.date(2018, 3, 5), "training", 30)
        activity(cls.base_a, dt.date(2018, 9, 9), "training", 12)
        institution(cls.base_a, dt.date(2016, 1, 1))
        enterprise(cls.base_a, years={2018: {"employees": 40}})

    def page(self):
        return self.client.get(f"/bases/{self.base_a.code}/reports/2018/")

    def fill(self, source: str, version: object = "", user=None):
        self.login(user or self.alice)
        return self.client.post(f"/bases/{self.base_a.code}/reports/2018/prefill/",
                                {"source": source, "version": version})

    def test_the_form_shows_the_record_figure_beside_each_figure_it_computes(self):
        self.login(self.alice)
        response = self.page()
        self.assertContains(response, 'id="record-svc_training_sessions"')
        self.assertContains(response, '台帐：<span class="record-value">2</span>')
        self.assertContains(response, '名册：<span class="record-value">40</span>')
        self.assertContains(response, "从台帐填入")
        self.assertContains(response, "从名册填入")
        self.assertContains(response, "从台帐和名册填入")
        self.assertContains(response, 'name="ledger_complete"')
        self.assertNotContains(response, 'id="record-building_area"')

    def test_the_form_explains_enterprises_that_left_during_the_year_before_the_officer_fills(self):
        self.login(self.alice)
        self.assertNotContains(self.page(), "年内迁出但填有")
        enterprise(self.base_a, moved_out=dt.date(2018, 5, 1), years={2018: {}})
        enterprise(self.base_a, moved_out=dt.date(2018, 8, 1), years={2018: {}})
        # 3 reporting, 1 resident on 31 December: the hard check would refuse the fill.
        for user in (self.alice, self.pat):
            self.login(user)
            self.assertContains(self.page(), "名册中有 2 家企业已于2018年内迁出但填有2018年度数据")

    def test_filling_from_the_ledger_saves_a_draft_and_audits_the_fill(self):
        response = self.fill("ledger")
        self.assertRedirects(response, f"/bases/{self.base_a.code}/reports/2018/")
        report = Report.objects.get(base=self.base_a, year=2018)
        self.assertEqual(report.status, Status.DRAFT)
        values = report.value_map()
        self.assertEqual(values["svc_training_sessions"], 2)
        self.assertEqual(values["svc_training_enterprises"], 42)
        self.assertEqual(values["third_party_institutions"], 1)
        self.assertNotIn("employees", values)  # the roster was not asked for
        event = AuditEvent.objects.get(event="report_prefilled")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.object_repr, f"report:{self.base_a.code}/2018")
        self.assertIn("从台帐填入报表草稿", event.detail)
        self.assertTrue(AuditEvent.objects.filter(event="report_saved").exists())

    def test_a_fill_keeps_the_drafts_other_figures_and_overwrites_the_records_ones(self):
        report = services.save_draft(base=self.base_a, year=2018, actor=self.alice, version=None,
                                     values={"building_area": 100, "employees": 7})
        self.fill("roster", version=report.version)
        values = Report.objects.get(pk=report.pk).value_map()
        self.assertEqual(values["building_area"], 100)
        self.assertEqual(values["employees"], 40)
        self.assertEqual(values["resident_enterprises"], 1)
        self.assertNotIn("svc_training_sessions", values)

    def test_the_service_fills_over_the_figures_it_is_given(self):
        report, filled = services.fill_from_records(
            base=self.base_a, year=2018, actor=self.alice, sources={"ledger"}, version=None,
            values={"building_area": 5, "svc_training_sessions": 99}, ledger_complete=True)
        values = report.value_map()
        self.assertEqual((values["building_area"], values["svc_training_sessions"]), (5, 2))
        self.assertIn("svc_training_sessions", filled)
        self.assertTrue(report.ledger_complete)

    def test_filling_both_at_once(self):
        self.fill("all")
        values = Report.objects.get(base=self.base_a, year=2018).value_map()
        self.assertEqual((values["svc_training_sessions"], values["employees"]), (2, 40))

    def test_a_stale_fill_saves_nothing_and_says_why(self):
        report = services.save_draft(base=self.base_a, year=2018, actor=self.alice, version=None,
                                     values={"employees": 7})
        response = self.fill("roster", version=report.version - 1)
        self.assertContains(self.client.get(response["Location"]), "已被他人修改")
        self.assertEqual(Report.objects.get(pk=report.pk).value_map()["employees"], 7)
        self.assertFalse(AuditEvent.objects.filter(event="report_prefilled").exists())

    def test_a_fill_without_records_saves_nothing(self):
        self.login(self.bob)
        self.open_round(2017)
        response = self.client.post(f"/bases/{self.base_b.code}/reports/2018/prefill/",
                                    {"source": "ledger", "version": ""}, follow=True)
        self.assertContains(response, "本基地尚未建立台帐，没有可填入的数据。")
        self.assertFalse(Report.objects.filter(base=self.base_b).exists())

    def test_a_bad_source_saves_nothing(self):
        response = self.fill("everything")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Report.objects.exists())

    def test_only_the_bases_officer_may_fill(self):
        self.assertEqual(self.fill("ledger", user=self.bob).status_code, 404)
        self.assertEqual(self.fill("ledger", user=self.charlie).status_code, 404)
        self.assertEqual(self.fill("ledger", user=self.sam).status_code, 404)
        self.assertEqual(self.fill("ledger", user=self.carol).status_code, 403)
        self.assertEqual(self.fill("ledger", user=self.pat).status_code, 403)
        self.assertFalse(Report.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(event="scope_denied").exists())

    def test_the_completeness_boxes_are_saved_with_the_draft(self):
        self.login(self.alice)
        self.client.post(f"/bases/{self.base_a.code}/reports/2018/",
                         {**complete_values(), "version": "", "action": "save",
                          "ledger_complete": "on"})
        report = Report.objects.get(base=self.base_a, year=2018)
        self.assertEqual((report.ledger_complete, report.roster_complete), (True, False))
        self.assertContains(self.page(), 'name="ledger_complete" form="report-form" '
                                         'id="id_ledger_complete" checked')


    def test_readers_see_the_record_figures_and_the_officers_declarations(self):
        services.save_draft(base=self.base_a, year=2018, actor=self.alice, version=None,
                            values={"employees": 7}, roster_complete=True)
        for reader in (self.carol, self.pat):
            self.login(reader)
            response = self.page()
            self.assertContains(response, '名册：<span class="record-value">40</span>'
                                          '<span class="muted">（与填报值不同）</span>')
            self.assertContains(response, "本年度名册完整：是（信息管理员已声明）")
            self.assertContains(response, "本年度台帐完整：未声明")
            self.assertNotContains(response, "从台帐填入")


class CompletenessCheckTests(BaseTestCase):
    """A figure that differs from a record declared complete needs an explanation."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        activity(cls.base_a, dt.date(2018, 3, 5), "training", 30)
        enterprise(cls.base_a, years={2018: {}})
        records = prefill_for(cls.base_a, 2018).values
        cls.matching = complete_values(**{code: as_form_text(value)
                                          for code, value in records.items()
                                          if not indicators.BY_CODE[code].derived})

    def submit(self, *, ledger: bool, roster: bool, explanations: dict | None = None,
               **overrides: object):
        existing = Report.objects.filter(base=self.base_a, year=2018).first()
        report = services.save_draft(
            base=self.base_a, year=2018, actor=self.alice,
            version=existing.version if existing else None,
            values=parsed({**self.matching, **{k: str(v) for k, v in overrides.items()}}),
            ledger_complete=ledger, roster_complete=roster)
        return services.submit_report(report=report, actor=self.alice, version=report.version,
                                      explanations=explanations)

    def refused(self, **kwargs) -> list[str]:
        with self.assertRaises(services.CheckFailed) as caught:
            self.submit(**kwargs)
        return [f.check for f in caught.exception.missing]

    def test_figures_equal_to_the_records_pass(self):
        self.assertEqual(self.submit(ledger=True, roster=True).status, Status.SUBMITTED)

    def test_without_the_tick_the_record_figure_is_information_only(self):
        report = self.submit(ledger=False, roster=False, svc_training_sessions=5, employees=99)
        self.assertEqual(report.status, Status.SUBMITTED)

    def test_ledger_declared_complete_a_different_figure_needs_an_explanation(self):
        self.assertEqual(self.refused(ledger=True, roster=False, svc_training_sessions=5,
                                      employees=99),
                         ["ledger_differs:svc_training_sessions"])
        report = self.submit(ledger=True, roster=False, svc_training_sessions=5,
                             explanations={"ledger_differs:svc_training_sessions":
                                           "另有4场活动未录入台帐"})
        self.assertEqual(report.explanations, {"ledger_differs:svc_training_sessions":
                                               "另有4场活动未录入台帐"})

    def test_roster_declared_complete_a_different_figure_needs_an_explanation(self):
        self.assertEqual(self.refused(ledger=False, roster=True, svc_training_sessions=5,
                                      employees=99, ent_total_assets="1200.51"),
                         ["roster_differs:employees", "roster_differs:ent_total_assets"])

    def test_the_finding_names_the_record_figure(self):
        report = services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                                     version=None, ledger_complete=True,
                                     values=parsed({**self.matching,
                                                    "svc_training_sessions": "5"}))
        self.login(self.alice)
        response = self.client.get(f"/bases/{self.base_a.code}/reports/2018/")
        self.assertContains(response, "与本年度台帐不一致（台帐：1），请说明原因")
        self.assertContains(response, 'name="explain__ledger_differs:svc_training_sessions"')
        self.assertContains(response, "（与填报值不同）")
        self.assertTrue(report.ledger_complete)
