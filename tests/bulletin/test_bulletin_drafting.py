"""The bulletin draft's access, its wording in edge cases, and its helpers."""

from __future__ import annotations

import io
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from bases.models import Base
from reporting.bulletin.draft import (
    change,
    draft_bulletin,
    plain,
    round_down,
)
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annexes import Cell
from tests.base import BaseTestCase, sign_in
from tests.bulletin.helpers import assert_clean, docx_paragraphs, section_one

PERSONAS = ("alice", "bob", "carol", "charlie", "pat", "sam", "audrey")


def file_report(base: Base, year: int, **values: object) -> Report:
    report = Report.objects.create(base=base, year=year, status=Status.APPROVED)
    ReportValue.objects.bulk_create(ReportValue(report=report, code=code,
                                                value=Decimal(str(value)))
                                    for code, value in values.items())
    return report


class AccessTests(BaseTestCase):
    """Expected statuses per persona (the URL walk of tests/test_access.py uses the same)."""

    EXPECTED = {
        "statistics:bulletin": {"anon": 302, "pat": 200},
        "statistics:bulletin_docx": {"anon": 302, "pat": 200},
        "statistics:chart_data": {"anon": 302, "carol": 200, "charlie": 200, "pat": 200},
    }

    def test_each_persona_gets_its_status(self):
        for name, allowed in self.EXPECTED.items():
            for persona in ("anon", *PERSONAS):
                self.client.logout()
                if persona != "anon":
                    sign_in(self.client, getattr(self, persona))
                status = self.client.get(reverse(name)).status_code
                with self.subTest(name=name, persona=persona):
                    self.assertEqual(status, allowed.get(persona, 404))


class DraftWordingTests(BaseTestCase):
    """Small hand-made years: missing figures, ties, fewer bases than N, no data at all."""

    def base(self, code: str, name: str, batch: int = 1) -> Base:
        return Base.objects.create(code=code, name=name, city=self.changsha, batch=batch)

    def draft_text(self, year: int, **options) -> str:
        options.setdefault("compare_year", year - 1)
        options.setdefault("cohort_batch", None)
        return draft_bulletin(year=year, **options).text()

    def test_missing_figures_drop_their_clause_and_never_print_none(self):
        file_report(self.base("M1", "甲基地"), 2019, service_staff=5, resident_enterprises=3,
                    svc_info_sessions=2)
        file_report(self.base("M2", "乙基地"), 2019, service_staff=7)

        text = self.draft_text(2019)

        assert_clean(text)
        self.assertIn("2019年省级创业创新基地总数达2家。", text)  # no area: no area clause
        self.assertNotIn("总建筑面积", text)
        self.assertIn("信息服务2场次。", text)  # no enterprises served reported
        self.assertIn("开展服务活动共计2场次，其中：", text)
        self.assertIn("乙基地、甲基地服务人员数量居全省前二位。", text)
        self.assertIn("入驻企业户数为3家。", text)
        self.assertNotIn("小微企业", section_one([("", line) for line in text.split("\n")]))
        self.assertNotIn("租金减免", text)  # nobody answered the yes/no figure
        self.assertNotIn("与2018年相比", text)  # no cohort
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "draft.docx"
            call_command("draft_bulletin", "--year", "2019", "-o", str(path),
                         stdout=io.StringIO())
            words = "\n".join(text for _, text in docx_paragraphs(path))
        self.assertNotIn("None", words)

    def test_a_year_without_reports_still_drafts(self):
        text = self.draft_text(2030)

        assert_clean(text)
        self.assertIn("2030年暂无已审核的省级创业创新基地报表。", text)
        self.assertIn("2030年暂无相关数据。", text)
        self.login(self.pat)
        self.assertEqual(self.client.get(reverse("statistics:bulletin_docx")
                                         + "?year=2030").status_code, 200)
        self.assertEqual(self.client.get(reverse("statistics:bulletin")
                                         + "?year=2030").status_code, 200)

    def test_a_most_sentence_names_every_tied_base(self):
        bases = [self.base(f"T{i}", name) for i, name in enumerate(("丙基地", "甲基地", "乙基地"))]
        for base, before, after, staff in zip(bases, (10000, 20000, 30000), (20000, 30000, 35000),
                                              ((1, 4), (2, 5), (3, 6)), strict=True):
            file_report(base, 2018, building_area=before, service_staff=staff[0],
                        certified_mentors=1)
            file_report(base, 2019, building_area=after, service_staff=staff[1],
                        certified_mentors=1)

        text = self.draft_text(2019)

        # 丙 and 甲 both grew by 10000 m², 乙 by 5000; all three added 3 staff.
        self.assertIn("其中，丙基地、甲基地2019年新增建筑面积最多，均新增1万平方米。", text)
        self.assertIn("其中，丙基地、甲基地、乙基地2019年均新增服务人员3名", text)
        self.assertNotIn("新增创业辅导师", text)  # nobody added any: no "最多" sentence
        self.assertIn("建筑面积最大的依次是：乙基地、甲基地、丙基地，均在2万平方米以上。", text)
        assert_clean(text)

    def test_fewer_bases_than_n_are_named_as_they_are(self):
        file_report(self.base("F1", "独一基地"), 2019, operator_total_assets="50000",
                    resident_enterprises=9, building_area="80000",
                    standard_factory_area="30000")

        text = self.draft_text(2019)

        self.assertIn("总资产规模最大的是独一基地。", text)
        self.assertIn("建筑面积最大的是独一基地。", text)
        self.assertIn("独一基地入驻企业9家，居全省首位。", text)
        self.assertIn("独一基地拥有标准厂房面积3万平方米，居全省首位。", text)
        self.assertNotIn("前五", text)
        assert_clean(text)

    def test_control_characters_in_a_name_do_not_break_the_docx(self):
        file_report(self.base("C1", "控制\x01字符基地"), 2019, building_area="1000")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "draft.docx"
            call_command("draft_bulletin", "--year", "2019", "-o", str(path),
                         stdout=io.StringIO())
            self.assertIn("控制字符基地", "\n".join(t for _, t in docx_paragraphs(path)))

    def test_command_refuses_bad_arguments(self):
        # The same rule and words as the statistics page and the API (reporting.years).
        with self.assertRaisesMessage(CommandError, "对比年度不能与统计年度相同"):
            call_command("draft_bulletin", "--year", "2019", "--compare-year", "2019",
                         "-o", "x.docx")
        with self.assertRaisesMessage(CommandError, "年度应在2000至2100之间"):
            call_command("draft_bulletin", "--year", "1990", "-o", "x.docx")
        with self.assertRaisesMessage(CommandError, "--top must be between"):
            call_command("draft_bulletin", "--year", "2019", "--top", "0", "-o", "x.docx")


class HelperTests(TestCase):
    def test_wording_helpers(self):
        self.assertEqual(round_down(Decimal("54")), Decimal("50"))
        self.assertEqual(round_down(Decimal("123.4")), Decimal("100"))
        self.assertEqual(round_down(Decimal("7.3")), Decimal("7"))
        self.assertIsNone(round_down(Decimal("0.8")))
        self.assertEqual(plain(Decimal("400000.00"), 2, 4), "40")
        self.assertEqual(plain(Decimal("362600.00"), 2, 4), "36.26")
        self.assertEqual(change(Cell(Decimal("-0.0521"), 1, percent=True)), "下降5.2%")
        self.assertEqual(change(Cell(Decimal("0.125"), 1, percent=True)), "增长12.5%")
        self.assertEqual(change(Cell(Decimal("0.0004"), 1, percent=True)), "持平")
        self.assertIsNone(change(Cell(None, 1, percent=True)))

    def test_chart_library_and_our_script_are_vendored(self):
        for path in ("vendor/chartjs/chart.umd.min.js", "vendor/chartjs/LICENSE.md",
                     "vendor/chartjs/chart.umd.min.js.map", "js/statistics.js", "css/print.css"):
            self.assertIsNotNone(finders.find(path), path)
