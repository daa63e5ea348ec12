"""The demo reproduces the printed 2017 bulletin: every annex cell and every ranking."""

from __future__ import annotations

import io
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase
from openpyxl import load_workbook

from bases.models import Base, Role, User
from reporting.models import Report, Round, Status

DATA = Path(__file__).resolve().parent.parent / "data"
PUBLISHED = json.loads((DATA / "published-annexes.json").read_text())
PRINTED_RANKINGS = json.loads((DATA / "published-rankings.json").read_text())

# SPEC section 5: the printed bulletin truncates these; the portal rounds (printed → correct).
PRINT_DEVIATIONS = {
    ("annex1", "服务人员数量（人）", 2): ("25", "26"),
    ("annex1", "创业辅导师持证人数（人）", 2): ("4", "5"),
    ("annex1", "运营单位总资产（亿元）", 2): ("2.48", "2.49"),
    ("annex1", "运营单位营业收入（万元）", 2): ("3656", "3657"),
    ("annex1", "入驻企业户数（家）", 2): ("76", "77"),
    ("annex2", "平均售价（元/平方米）", 3): ("1.1%", "1.3%"),
    ("annex5", "拥有软件著作权（件）", 2): ("21", "22"),
    ("annex5", "拥有专利（件）", 2): ("76", "77"),
    ("annex5", "就业人数（人）", 3): ("33", "34"),
    ("annex5", "总资产（万元）", 3): ("1966", "1967"),
    ("annex5", "利润（万元）", 3): ("141.5", "141.6"),
    ("annex5", "税金（万元）", 3): ("65.1", "65.2"),
}


def shown(cell) -> str:
    """A cell as a reader sees it in Excel: its value under its number format."""
    value, fmt = cell.value, cell.number_format
    if isinstance(value, str):
        return value
    if fmt.endswith("%"):
        decimals = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
        return f"{value * 100:.{decimals}f}%"
    decimals = len(fmt.split(".")[1]) if "." in fmt else 0
    return f"{value:.{decimals}f}"


class DemoBulletinTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("seed_demo", stdout=io.StringIO())
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "annexes.xlsx"
            call_command("export_annexes", "--year", "2017", "--compare-year", "2016",
                         "--cohort-batch", "1", "-o", str(path), stdout=io.StringIO())
            cls.workbook_bytes = path.read_bytes()

    def setUp(self) -> None:
        workbook = load_workbook(io.BytesIO(self.workbook_bytes))
        self.sheets = {name: workbook[name] for name in workbook.sheetnames}

    def printed_rows(self, sheet_name: str) -> dict[str, list[str]]:
        rows = {}
        for row in self.sheets[sheet_name].iter_rows():
            label = row[0].value
            if isinstance(label, str) and any(c.value is not None for c in row[1:]):
                rows[label] = [shown(c) for c in row[1:] if c.value is not None]
        return rows

    def test_every_annex_cell_matches_print_except_the_12_known_deviations(self):
        deviations = {}
        compared = 0
        for number in range(1, 7):
            key, sheet = f"annex{number}", f"附件{number}"
            published = PUBLISHED[key]
            self.assertEqual(self.sheets[sheet]["A1"].value, sheet)
            self.assertEqual(self.sheets[sheet]["A2"].value, published["title"])
            ours = self.printed_rows(sheet)
            for label, *printed in published["rows"]:
                self.assertIn(label, ours, f"{sheet} lacks row {label}")
                self.assertEqual(len(ours[label]), len(printed), f"{sheet} {label}")
                for column, (want, got) in enumerate(zip(printed, ours[label], strict=True), 1):
                    compared += 1
                    if want != got:
                        deviations[(key, label, column)] = (want, got)
        self.assertEqual(deviations, PRINT_DEVIATIONS)
        self.assertEqual(compared, 235)

    def test_annex_headers_are_merged_as_printed(self):
        merged = {str(r) for r in self.sheets["附件3"].merged_cells.ranges}
        self.assertTrue({"B3:C3", "D3:E3", "A3:A4"} <= merged)
        self.assertEqual(self.sheets["附件3"]["B3"].value, "开展服务活动场次")
        self.assertEqual(self.sheets["附件4"]["E3"].value, "服务企业家次")

    def test_shares_and_growth_are_percent_fractions(self):
        info = self.sheets["附件3"]["C5"]
        self.assertEqual((info.value, info.number_format), (0.225, "0.0%"))

    def rankings(self) -> dict[str, list[tuple[int, str, str, float]]]:
        """The machine columns of 排名: (place, base code, base name, value in entry units)
        per ranking code; the heading row of each ranking has no code and is skipped."""
        sheet = self.sheets["排名"]
        header = [c.value for c in sheet[1]]
        self.assertEqual(header, ["指标", "名次", "基地名称", "数值", "单位", "指标代码",
                                  "基地代码", "数值（原单位）"])
        result: dict[str, list] = defaultdict(list)
        for _, place, name, _, _, ranking, code, value in sheet.iter_rows(min_row=2,
                                                                           values_only=True):
            if ranking is not None:
                result[ranking].append((place, code, name, value))
        return result

    def test_every_ranking_has_its_top_10(self):
        rankings = self.rankings()
        self.assertEqual(len(rankings), 15)
        for code, rows in rankings.items():
            with self.subTest(code=code):
                self.assertEqual([r[0] for r in rows], list(range(1, 11)))

    def test_printed_rankings_hold_in_printed_order(self):
        rankings = self.rankings()
        for code, printed in PRINTED_RANKINGS.items():
            if not isinstance(printed, dict) or "top" not in printed:
                continue
            with self.subTest(code=code):
                names = [row[2] for row in rankings[code]]
                self.assertEqual(names[:len(printed["top"])], printed["top"])

    def test_printed_ranking_values(self):
        rankings = self.rankings()
        values = {code: [row[3] for row in rows] for code, rows in rankings.items()}
        self.assertEqual(values["standard_factory_area"][:5],
                         [525000, 400000, 400000, 362600, 357400])
        self.assertEqual(values["resident_enterprises"][:5], [458, 315, 226, 216, 205])
        self.assertEqual(values["standard_factory_area_increase"][0], 200000)
        self.assertEqual(values["service_staff_increase"][0], 34)
        self.assertEqual(values["certified_mentors_increase"][0], 9)

        self.assertEqual(values["third_party_institutions_increase"][0], 10)
        self.assertTrue(all(v >= 500000 for v in values["building_area"][:6]))
        self.assertGreaterEqual(values["building_area_increase"][0], 500000)
        # Ties go to the lower base code: the two 40万平方米 bases keep the printed order.
        tied = [row for row in rankings["standard_factory_area"] if row[3] == 400000]
        self.assertEqual([row[2] for row in tied],
                         ["益阳市赫山区龙岭工业园创业基地", "怀化市工业园区中小企业创业基地"])
        self.assertLess(tied[0][1], tied[1][1])

    def test_ranking_values_for_people_are_in_the_bulletins_units(self):
        shown = {(row[5], row[1]): (row[3], row[4])
                 for row in self.sheets["排名"].iter_rows(min_row=2, values_only=True)}
        # The bulletin: 拥有标准厂房面积52.5万平方米、40万平方米 … 36.26万平方米.
        self.assertEqual([shown[("standard_factory_area", place)] for place in (1, 2, 4)],
                         [(52.5, "万平方米"), (40, "万平方米"), (36.26, "万平方米")])
        self.assertEqual(shown[("resident_enterprises", 1)], (458, "家"))

    def test_demo_has_bases_reports_accounts_and_an_open_round(self):
        self.assertEqual(Base.objects.count(), 102)
        self.assertEqual(Base.objects.filter(batch=1).count(), 71)
        self.assertEqual(Report.objects.filter(year=2016, status=Status.APPROVED).count(), 71)
        self.assertEqual(Report.objects.filter(year=2017, status=Status.APPROVED).count(), 102)
        self.assertFalse(Round.objects.get(year=2018).is_closed)
        officer = User.objects.get(username="cs_officer")
        self.assertEqual((officer.role, officer.base.name), (Role.OFFICER, "长沙科技新城"))
        self.assertEqual(User.objects.get(username="b2_officer").base.batch, 2)
        self.assertEqual(User.objects.get(username="changsha_viewer").city.name, "长沙市")
        self.assertEqual(User.objects.get(username="province_admin").role, Role.PROVINCE)
        history = Report.objects.filter(year=2017).first().transitions.get()
        self.assertEqual((history.action, history.comment), ("import", "由命令行导入"))

    def test_seed_demo_refuses_a_database_with_data_and_if_empty_skips(self):
        from django.core.management import CommandError

        with self.assertRaisesMessage(CommandError, "已有基地"):
            call_command("seed_demo", stdout=io.StringIO())
        out = io.StringIO()
        call_command("seed_demo", "--if-empty", stdout=out)
        self.assertIn("跳过", out.getvalue())
        self.assertEqual(Base.objects.count(), 102)
