"""Every refusal through the real forms: a Chinese message naming the field, nothing saved,
the refusal audited."""

import datetime as dt
from decimal import Decimal

from bases.models import AuditEvent
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from tests.roster.helpers import RosterTestCase, credit_code, enterprise_form, figures


class RosterRefusalTests(RosterTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def assert_refused(self, url: str, data: dict, *messages: str) -> None:
        before = (Enterprise.objects.count(), EnterpriseYear.objects.count(),
                  RosterChange.objects.count(),
                  AuditEvent.objects.filter(event="roster_refused").count())
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        for message in messages:
            self.assertIn(message, page)
        self.assertEqual((Enterprise.objects.count(), EnterpriseYear.objects.count(),
                          RosterChange.objects.count()), before[:3])
        self.assertEqual(AuditEvent.objects.filter(event="roster_refused").count(),
                         before[3] + 1)

    def test_wrong_check_character_is_refused_naming_the_rule(self):
        good = credit_code(50)
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        self.assert_refused("/bases/A001/roster/new/", enterprise_form(credit_code=bad),
                            "统一社会信用代码：统一社会信用代码校验位不正确")

    def test_wrong_length_is_refused(self):
        self.assert_refused("/bases/A001/roster/new/",
                            enterprise_form(credit_code="91350100M000100Y4"),
                            "统一社会信用代码应为18位，当前为17位")

    def test_forbidden_letter_is_refused(self):
        self.assert_refused("/bases/A001/roster/new/",
                            enterprise_form(credit_code="91350100M000100YO3"),
                            "不使用字母 O")

    def test_moved_out_before_moved_in_is_refused(self):
        self.assert_refused("/bases/A001/roster/new/",
                            enterprise_form(credit_code=credit_code(51), moved_in="2018-05-01",
                                            moved_out="2018-04-30"),
                            "迁出日期（在驻留空）：迁出日期（2018-04-30）不能早于入驻日期")

    def test_duplicate_credit_code_within_the_base_is_refused(self):
        self.assert_refused("/bases/A001/roster/new/",
                            enterprise_form(credit_code=self.ent_a.credit_code.lower()),
                            "本基地已登记统一社会信用代码为", self.ent_a.name)

    def test_high_tech_without_certificate_is_refused(self):
        self.assert_refused("/bases/A001/roster/new/",
                            enterprise_form(credit_code=credit_code(52), high_tech="on"),
                            "高新技术企业须填写证书编号", "高新技术企业须填写证书有效期")

    def test_missing_date_and_garbage_are_refused_by_the_form_without_error(self):
        response = self.client.post("/bases/A001/roster/new/",
                                    enterprise_form(credit_code=credit_code(53),
                                                    moved_in="2018-13-45"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("入驻日期：", response.content.decode())
        self.assertFalse(Enterprise.objects.filter(credit_code=credit_code(53)).exists())

    def test_figures_below_their_minimum_are_refused_naming_the_figure(self):
        url = f"/bases/A001/roster/{self.ent_a.pk}/years/2018/"
        self.assert_refused(url, figures(employees=-1, ent_tax="-0.01"),
                            "就业人数不能小于0", "税金不能小于0")

    def test_three_decimals_are_refused(self):
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/years/2018/",
                            figures(ent_revenue="1.005"), "营业收入最多保留2位小数")

    def test_year_before_move_in_is_refused(self):
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/years/2015/", figures(),
                            "2015年度早于入驻年份（2016年）")

    def test_year_after_move_out_is_refused(self):
        self.ent_a.moved_out = dt.date(2018, 1, 1)  # last resident day: 31 December 2017
        self.ent_a.save()
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/years/2018/", figures(),
                            "2018年度晚于迁出年份（2017年）")

    def test_a_future_year_is_refused(self):
        year = dt.date.today().year + 1
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/years/{year}/", figures(),
                            f"{year}年度尚未到来")

    def test_move_out_before_move_in_is_refused(self):
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/move-out/",
                            {"moved_out": "2016-02-29"}, "不能早于入驻日期")
        self.ent_a.refresh_from_db()
        self.assertIsNone(self.ent_a.moved_out)

    def test_move_out_before_a_year_with_figures_is_refused(self):
        self.client.post(f"/bases/A001/roster/{self.ent_a.pk}/years/2018/", figures())
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/move-out/",
                            {"moved_out": "2018-01-01"}, "已有2018年度数据")

    def test_edit_moving_in_after_a_year_with_figures_is_refused(self):
        self.client.post(f"/bases/A001/roster/{self.ent_a.pk}/years/2017/", figures())
        self.assert_refused(f"/bases/A001/roster/{self.ent_a.pk}/edit/",
                            enterprise_form(moved_in="2018-01-01"),
                            "已有2017年度数据，入驻日期不能晚于2017年")


class RosterWriteTests(RosterTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def test_officer_adds_an_enterprise_with_a_normalised_code(self):
        code = credit_code(60)
        response = self.client.post("/bases/A001/roster/new/", enterprise_form(
            name="  长沙云谷  ", credit_code=f" {code[:9].lower()} {code[9:]} ",
            small_micro="on", high_tech="on", high_tech_cert="GR201843000123",
            high_tech_valid_until="2021-10-31"))
        enterprise = Enterprise.objects.get(base=self.base_a, credit_code=code)
        self.assertRedirects(response, f"/bases/A001/roster/{enterprise.pk}/")
        self.assertEqual((enterprise.name, enterprise.small_micro, enterprise.high_tech,
                          enterprise.created_by), ("长沙云谷", True, True, self.alice))
        change = RosterChange.objects.get(enterprise=enterprise)
        self.assertEqual((change.action, change.by, change.before), ("create", self.alice, None))
        self.assertEqual(change.after["credit_code"], code)
        self.assertTrue(AuditEvent.objects.filter(event="roster_create", actor=self.alice,
                                                  object_repr=f"enterprise:{enterprise.pk}")
                        .exists())

    def test_year_figures_are_exact_and_a_change_is_in_the_history(self):
        url = f"/bases/A001/roster/{self.ent_a.pk}/years/2018/"
        self.assertRedirects(self.client.post(url, figures()),
                             f"/bases/A001/roster/{self.ent_a.pk}/")
        self.client.post(url, figures(ent_profit="0.10"))
        row = EnterpriseYear.objects.get(enterprise=self.ent_a, year=2018)
        self.assertEqual((row.employees, row.ent_total_assets, row.ent_profit),
                         (25, Decimal("1200.50"), Decimal("0.10")))
        history = self.client.get("/bases/A001/roster/history/").content.decode()
        self.assertIn("利润（万元）：-12.34 → 0.10", history)
        # The second save changed only the profit: employees appear once (the first save).
        self.assertEqual(history.count("就业人数（人）：— → 25"), 1)
        self.assertEqual(history.count("就业人数（人）"), 1)
        self.assertIn("填报年度数据（2018年度）", history)

    def test_move_out_is_recorded(self):
        response = self.client.post(f"/bases/A001/roster/{self.ent_a.pk}/move-out/",
                                    {"moved_out": "2019-06-30"})
        self.assertRedirects(response, f"/bases/A001/roster/{self.ent_a.pk}/")
        self.ent_a.refresh_from_db()
        self.assertEqual(self.ent_a.moved_out, dt.date(2019, 6, 30))
        change = RosterChange.objects.get(enterprise=self.ent_a, action="move_out")
        self.assertEqual((change.before["moved_out"], change.after["moved_out"]),
                         (None, "2019-06-30"))

    def test_list_filters_by_resident_year_state_and_search(self):
        gone = self.make_enterprise(self.base_a, 61, "早已迁出公司", moved_in=dt.date(2010, 1, 1),
                                    moved_out=dt.date(2015, 1, 1))
        cases = {"?year=2018": ([self.ent_a.name], [gone.name]),
                 "?year=2014": ([gone.name], [self.ent_a.name]),
                 "?state=moved_out": ([gone.name], [self.ent_a.name]),
                 "?state=resident": ([self.ent_a.name], [gone.name]),
                 f"?q={gone.credit_code[-6:]}": ([gone.name], [self.ent_a.name]),
                 "?q=湘江": ([self.ent_a.name], [gone.name])}
        for query, (shown, hidden) in cases.items():
            with self.subTest(query=query):
                page = self.client.get(f"/bases/A001/roster/{query}").content.decode()
                for name in shown:
                    self.assertIn(name, page)
                for name in hidden:
                    self.assertNotIn(name, page)
        page = self.client.get("/bases/A001/roster/").content.decode()
        for field in ("id_q", "id_year", "id_state"):
            self.assertIn(f'<label for="{field}">', page)


class RosterRaceTests(RosterTestCase):
    def test_a_code_registered_concurrently_after_the_check_is_refused_not_a_500(self):
        from unittest import mock

        from bases.roster import services

        fields = services.EnterpriseFields(name="并发企业", credit_code=self.ent_a.credit_code,
                                           moved_in=dt.date(2018, 1, 1))
        # As if another request inserted the code between our check and our insert.
        with mock.patch.object(services, "_check_enterprise", lambda base, f, i: f), \
                self.assertRaises(services.ValidationError) as refused:
            services.create_enterprise(base=self.base_a, fields=fields, actor=self.alice)
        self.assertIn("本基地已登记统一社会信用代码",
                      refused.exception.message_dict["credit_code"][0])
        self.assertEqual(Enterprise.objects.filter(credit_code=self.ent_a.credit_code,
                                                   base=self.base_a).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(event="roster_refused").exists())


class RosterHostileUrlTests(RosterTestCase):
    def test_out_of_range_numbers_in_urls_give_a_clear_answer_not_a_500(self):
        self.login(self.alice)
        huge = "9" * 25
        self.assertEqual(self.client.get(f"/bases/A001/roster/{huge}/").status_code, 404)
        self.assertEqual(self.client.get(
            f"/bases/A001/roster/history/?enterprise={huge}").status_code, 404)
        page = self.client.get(f"/bases/A001/roster/{self.ent_a.pk}/years/{huge}/")
        self.assertEqual(page.status_code, 200)
        response = self.client.post(f"/bases/A001/roster/{self.ent_a.pk}/years/{huge}/",
                                    figures())
        self.assertContains(response, "年度尚未到来")
        self.assertFalse(EnterpriseYear.objects.exists())
        self.assertContains(self.client.get(f"/bases/A001/roster/?year={huge}"),
                            "在驻年度：")


class RosterNumberSyntaxTests(RosterTestCase):
    """The yearly figures read numbers as the report form does (portal.numbers)."""

    def setUp(self) -> None:
        self.login(self.alice)
        self.url = f"/bases/A001/roster/{self.ent_a.pk}/years/2018/"

    def test_huge_exponent_and_misplaced_separators_are_refused_naming_the_field(self):
        response = self.client.post(self.url, figures(
            employees="99999999999", trademarks="9e999999999", ent_revenue="1,2,3",
            ent_total_assets="10000000000000"))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.errors["employees"], ["数值过大"])
        self.assertEqual(form.errors["trademarks"],
                         ["不支持科学计数法（如 1e5），请写出完整的数字"])
        self.assertEqual(form.errors["ent_revenue"],
                         ["千位分隔符位置不正确：应每三位一个，如 1,234,567.50"])
        self.assertEqual(form.errors["ent_total_assets"], ["数值过大"])
        self.assertFalse(EnterpriseYear.objects.filter(enterprise=self.ent_a).exists())

    def test_well_placed_separators_and_full_width_digits_are_read_exactly(self):
        self.client.post(self.url, figures(employees="１,２３４", ent_revenue="1,234,567.50"))
        row = EnterpriseYear.objects.get(enterprise=self.ent_a, year=2018)
        self.assertEqual((row.employees, row.ent_revenue), (1234, Decimal("1234567.50")))
