"""The roster workbook: one enterprise per row with the year's figures, imported all or
nothing (a bad credit code names its row and the rule), the credit code as natural key,
exported per base and province-wide with contacts only for the base and the province."""

import datetime as dt
import io
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.models import AuditEvent
from bases.roster import workbook
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from tests import hostile
from tests.base import sign_in
from tests.roster.helpers import RosterTestCase, credit_code
from tests.workbook_files import body, read_back, upload, xlsx

LABELS = tuple(text for _k, text in workbook.ENTERPRISE_COLUMNS + (workbook.CONTACT_COLUMN,)
               + workbook.FIGURE_COLUMNS)
CODES = tuple(key for key, _t in workbook.ENTERPRISE_COLUMNS + (workbook.CONTACT_COLUMN,)
              + workbook.FIGURE_COLUMNS)
FIGURES = (25, 1200.5, "800.00", -12.34, 30.01, 2, 3, 1, 4, 0)


def row(n: int, name: str = "", *, code: str | None = None, moved_in="2016-03-01",
        moved_out="", small="是", high="否", cert="", until="", industry="C",
        contact="张三 0731-1234", figures=FIGURES) -> tuple:
    return (name or f"企业{n}", code or credit_code(n), moved_in, moved_out, small, high, cert,
            until, industry, contact, *figures)


class RosterImportTests(RosterTestCase):
    def import_rows(self, *rows, year=2018, header=(LABELS, CODES)):
        return workbook.import_roster(base=self.base_a, actor=self.alice, year=year,
                                      file=upload(xlsx([*header, *rows],
                                                       sheet=workbook.SHEET)))

    def test_enterprises_and_figures_are_imported_with_history(self):
        result = self.import_rows(row(10, "星沙新材料有限公司"), row(11))
        self.assertTrue(result.ok, [str(e) for e in result.errors])
        self.assertEqual((result.created, result.figures), (2, 2))
        enterprise = Enterprise.objects.get(credit_code=credit_code(10))
        self.assertEqual((enterprise.base, enterprise.small_micro, enterprise.industry),
                         (self.base_a, True, "C"))
        figures = EnterpriseYear.objects.get(enterprise=enterprise, year=2018)
        self.assertEqual((figures.employees, figures.ent_total_assets, figures.ent_profit),
                         (25, Decimal("1200.50"), Decimal("-12.34")))
        self.assertEqual(RosterChange.objects.filter(enterprise=enterprise).count(), 2)
        self.assertEqual(AuditEvent.objects.filter(event="roster_import").count(), 1)

    def test_the_codes_row_is_optional(self):
        self.assertTrue(self.import_rows(row(12), header=(LABELS,)).ok)
        self.assertTrue(self.import_rows(row(13), header=(CODES,)).ok)

    def test_credit_code_is_the_natural_key_and_a_resend_changes_nothing(self):
        existing = self.ent_a.credit_code
        first = self.import_rows(row(1, "湘江智造科技有限公司（更名）", code=existing))
        self.assertEqual((first.created, first.updated, first.figures), (0, 1, 1))
        self.assertEqual(Enterprise.objects.get(pk=self.ent_a.pk).name,
                         "湘江智造科技有限公司（更名）")
        changes = RosterChange.objects.count()
        again = self.import_rows(row(1, "湘江智造科技有限公司（更名）", code=existing))
        self.assertEqual((again.created, again.updated, again.figures, again.unchanged),
                         (0, 0, 0, 1))
        self.assertEqual(RosterChange.objects.count(), changes)

    def test_a_bad_credit_code_names_its_row_and_the_rule_and_nothing_is_saved(self):
        wrong_check = credit_code(20)[:17] + ("0" if credit_code(20)[17] != "0" else "1")
        result = self.import_rows(row(21), row(22, code=wrong_check),
                                  row(23, code="91430100MA0000I23X"), row(24, code="123"),
                                  row(21, "同码企业"))
        self.assertEqual(Enterprise.objects.filter(base=self.base_a).count(), 1)
        messages = [str(e) for e in result.errors]
        self.assertIn("第4行 B列（统一社会信用代码）：统一社会信用代码校验位不正确", messages[0])
        self.assertIn("第5行 B列（统一社会信用代码）：统一社会信用代码不使用字母 I", messages[1])
        self.assertIn("第6行 B列（统一社会信用代码）：统一社会信用代码应为18位，当前为3位",
                      messages[2])
        self.assertIn("第7行 B列（统一社会信用代码）：与第3行的统一社会信用代码重复", messages[3])

    def test_dates_flags_and_figures_are_checked_by_cell(self):
        result = self.import_rows(
            row(30, moved_in="2016-03-01", moved_out="2015-01-01"),
            row(31, high="是"),
            row(32, figures=(25, "abc", 1, 1, -1, 1.5, 1, 1, 1, "")),
            row(33, moved_in="2019-01-01"))
        messages = [str(e) for e in result.errors]
        self.assertIn("第3行 D列（迁出日期）：迁出日期（2015-01-01）不能早于入驻日期", messages[0])
        self.assertTrue(any("第4行 G列（高新技术企业证书编号）：高新技术企业须填写证书编号" in m
                            for m in messages))
        self.assertTrue(any("第5行 L列（总资产（万元））：总资产必须是数字" in m for m in messages))
        self.assertTrue(any("第5行 O列（税金（万元））：税金不能小于0" in m for m in messages))
        self.assertTrue(any("第5行 P列（拥有商标（件））：拥有商标应为整数" in m for m in messages))
        self.assertTrue(any("第5行 T列（外观设计专利（件））：外观设计专利必填" in m
                            for m in messages))
        self.assertTrue(any("第6行 C列（入驻日期）：2018年度早于入驻年份（2019年）" in m
                            for m in messages))
        self.assertFalse(EnterpriseYear.objects.exists())

    def test_locked_year_refuses_the_whole_file(self):
        from bases import hooks

        hooks.register_year_lock(lambda base, year: year == 2018)
        try:
            result = self.import_rows(row(40))
        finally:
            hooks._year_locks.pop()
        self.assertIn("2018年度报表已审核", str(result.errors[0]))
        self.assertFalse(Enterprise.objects.filter(credit_code=credit_code(40)).exists())

    def test_enterprise_resident_elsewhere_is_flagged_without_the_other_base(self):
        result = self.import_rows(row(2, "株洲动力有限公司"))
        self.assertTrue(result.ok)
        self.assertEqual(result.warnings,
                         ["1家企业已在其他基地登记（同一统一社会信用代码在其他基地同期在驻）"])

    def test_import_takes_a_constant_number_of_queries(self):
        def queries(first: int, count: int) -> int:
            rows = [row(first + i) for i in range(count)]
            with CaptureQueriesContext(connection) as context:
                self.assertTrue(self.import_rows(*rows).ok)
            return len(context)

        self.assertEqual(queries(100, 5), queries(200, 60))

    def test_hostile_files_are_refused_before_reading(self):
        five_million_rows = hostile.workbook({workbook.SHEET: [b"<row/>" * 1_000_000] * 5})
        self.assertLess(len(five_million_rows), 60_000)
        for data in (five_million_rows, hostile.row_bomb(20), hostile.far_row()):
            result = workbook.import_roster(base=self.base_a, actor=self.alice, year=2018,
                                            file=upload(data))
            self.assertIn("行的上限", str(result.errors[0]))
        self.assertEqual(Enterprise.objects.count(), 2)


class RosterExportTests(RosterTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        result = workbook.import_roster(
            base=cls.base_a, actor=cls.alice, year=2018, file=upload(xlsx(
                [LABELS, CODES, row(1, "湘江智造科技有限公司", code=credit_code(1)),
                 row(5, "=cmd|' /C calc'!A0")], sheet=workbook.SHEET, as_text=True)))
        assert result.ok, [str(e) for e in result.errors]

    def export(self, user, url: str) -> list[tuple]:
        sign_in(self.client, user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return read_back(body(response))

    def test_officer_export_round_trips_with_contacts(self):
        rows = self.export(self.alice, f"/bases/{self.base_a.code}/roster/export/?year=2018")
        self.assertEqual((rows[0], rows[1]), (LABELS, CODES))
        self.assertEqual(rows[2][:3], ("'=cmd|' /C calc'!A0", credit_code(5), "2016-03-01"))
        self.assertEqual(rows[3][9:12], ("张三 0731-1234", 25, 1200.5))
        changes = RosterChange.objects.count()
        sign_in(self.client, self.alice)
        data = body(self.client.get(f"/bases/{self.base_a.code}/roster/export/?year=2018"))
        result = workbook.import_roster(base=self.base_a, actor=self.alice, year=2018,
                                        file=upload(data))
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 2))
        self.assertEqual(RosterChange.objects.count(), changes)

    def test_city_export_has_no_contacts(self):
        rows = self.export(self.carol, f"/bases/{self.base_a.code}/roster/export/?year=2018")
        self.assertNotIn("联系人及电话", rows[0])
        self.assertNotIn("张三 0731-1234", [cell for line in rows for cell in line])

    def test_province_export_has_every_base(self):
        # The page runs it as a background job (tests/ledger/test_province_exports.py).
        target = io.BytesIO()
        workbook.write_province_roster(target, year=2018)
        rows = read_back(target.getvalue())
        self.assertEqual(rows[0][:3], ("基地编码", "基地名称", "企业名称"))
        self.assertEqual({line[0] for line in rows[2:]}, {"A001", "B001"})


class QuickReaderTests(RosterTestCase):
    """The quick reader of common rows gives what the general path gives, row for row and
    message for message: it only reads rows it is sure of."""

    def read(self, rows, *, quick: bool, year=2018, header=(LABELS, CODES)):
        data = xlsx([*header, *rows], sheet=workbook.SHEET, as_text=True)
        with mock.patch.object(workbook, "_quick_reader",
                               workbook._quick_reader if quick else lambda *a: None):
            parsed, errors = workbook.read_roster(upload(data), base=self.base_a, year=year)
        return ([(r.row, r.fields, r.figures and {k: str(v) for k, v in r.figures.items()})
                 for r in parsed], [str(e) for e in errors])

    def test_same_result_as_the_general_path(self):
        lower = credit_code(40).lower()
        wrong = credit_code(41)[:17] + ("0" if credit_code(41)[17] != "0" else "1")
        rows = [
            row(30), row(31, "  前后空格  "), row(32, "'=SUM(A1)"), row(33, "控制\x01字符"),
            row(34, code=f" {lower[:6]} {lower[6:]} "), row(35, code=wrong),
            row(36, code=credit_code(30)), row(37, moved_in="2018/5/10"),
            row(38, moved_in="2016年3月1日", moved_out="2015-01-01"),
            row(39, moved_in=dt.date(2016, 3, 1), moved_out=dt.datetime(2019, 1, 1)),
            row(42, moved_in="2019-01-01"), row(43, moved_out="2017-01-01"),
            row(44, small="TRUE"), row(45, small=" 是 "), row(46, high="是"),
            row(47, high="是", cert="GR1", until="2021-12-31"), row(48, industry="c"),
            row(49, industry="Z"), row(50, industry=" C "),
            row(51, figures=(25, 1200.555, 1, 1, 1, 1, 1, 1, 1, 1)),
            row(52, figures=(25, -1, 1, -0.0, 1, 1, 1, 1, 1, 1)),
            row(53, figures=(25.5, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
            row(54, figures=("25", "1,000.50", 1, 1, 1, 1, 1, 1, 1, 1)),
            row(55, figures=(25, 1, 1, 1, 1, "", 1, 1, 1, 1)),
            row(56, figures=("",) * 10), row(57, figures=(1e20, 1e14, 0.1 + 0.2, 1, 1, 1, 1,
                                                          1, 1, 1)),
            row(58, "x" * 201), row(59, contact="\t电话\t"), ("",) * len(CODES),
            row(60, figures=(1, 99999999999999.99, 12.3, 0, 0.07, 0, 0, 0, 0, 0)),
        ]
        for year in (2016, 2018):
            self.assertEqual(self.read(rows, quick=True, year=year),
                             self.read(rows, quick=False, year=year))
        self.assertEqual(self.read(rows[:2], quick=True, header=(LABELS[:9],)),
                         self.read(rows[:2], quick=False, header=(LABELS[:9],)))
        # Valid rows are read the quick way, without the general path.
        with mock.patch.object(workbook, "_parse_row", side_effect=AssertionError):
            numbers = (25, 1200.5, 800, -12.34, 30.01, 2, 3, 1, 4, 0)
            parsed, errors = self.read([row(30, figures=numbers), row(31, figures=numbers),
                                        row(56, figures=("",) * 10)], quick=True)
        self.assertEqual((len(parsed), errors), (3, []))
