"""The bulletin draft (通报草稿) of the demo data, its .docx and print page, and the charts' data.

The demo data (reporting.demo.data, the 102 bases reproducing the printed 2017 bulletin)
is loaded as approved reports; the 2017 draft must carry the printed figures and names of
section 一, read back from the .docx written by the command and downloaded from the page.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from bases.models import AuditEvent, Base, City
from reporting.bulletin.docx import DOCX
from reporting.bulletin.draft import (
    SUBSECTION_TITLES,
    draft_bulletin,
)
from reporting.demo.data import demo_bases
from reporting.indicators import BY_CODE
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annexes import compute_annexes
from tests.base import BaseTestCase
from tests.bulletin.helpers import assert_clean, docx_paragraphs, section_one

DATA = Path(__file__).resolve().parent.parent / "data"
PRINTED = json.loads((DATA / "published-rankings.json").read_text(encoding="utf-8"))
QUERY = "?year=2017&compare_year=2016&cohort_batch=1"

BUILDING_AREA_TOP6 = ["东方金谷中小微企业创业基地", "澧东中小企业创业园", "长沙科技新城",
                      "邵阳经开区中小企业创业园", "长沙e中心", "怀化市工业园区中小企业创业基地"]
INTELLECTUAL_PROPERTY_TOP5 = ["湖南妙盛企业孵化港", "长沙中电软件园", "长沙科技新城",
                              "桂阳县中小企业创业基地", "长沙软件园"]
#: Section 一.4 as printed: category, sessions, enterprises served.
PRINTED_SERVICES = [("信息服务", 1975, 10343), ("创业辅导服务", 1281, 5648),
                    ("创新支持服务", 738, 2980), ("人员培训服务", 1036, 11914),
                    ("市场营销服务", 516, 3616), ("投融资服务", 560, 3730),
                    ("管理咨询服务", 1443, 4673), ("专业服务", 1215, 4943)]


def load_demo() -> None:
    """The demo's 102 bases with approved 2016 (first batch) and 2017 reports."""
    cities = {city.name: city for city in City.objects.all()}
    demo = demo_bases()
    bases = Base.objects.bulk_create(
        Base(code=d.code, name=d.name, city=cities[d.city], county=d.county, batch=d.batch,
             year_designated=d.year_designated, operator=d.operator) for d in demo)
    pairs = [(base, year, values) for base, d in zip(bases, demo, strict=True)
             for year, values in sorted(d.values.items())]
    reports = Report.objects.bulk_create(
        Report(base=base, year=year, status=Status.APPROVED) for base, year, _ in pairs)
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=BY_CODE[code].to_storage(value))
        for report, (_, _, values) in zip(reports, pairs, strict=True)
        for code, value in values.items() if value is not None)


def listed(text: str, lead: str) -> list[str]:
    """The base names after "{lead}：" up to the end of that clause."""
    match = re.search(re.escape(lead) + r"：([^，。]+)", text)
    assert match, f"no list after {lead!r}"
    return match.group(1).split("、")


class DemoBulletinTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_demo()

    def assert_printed_section_one(self, paragraphs: list[tuple[str, str]]) -> None:
        text = section_one(paragraphs)
        self.assertIn("2017年省级创业创新基地总数达102家，总建筑面积1653.0万平方米。", text)
        self.assertEqual(listed(text, "建筑面积最大的依次是"), BUILDING_AREA_TOP6)
        self.assertIn("其中，澧东中小企业创业园2017年新增建筑面积最多", text)
        self.assertIn("标准厂房总面积1173.8万平方米", text)
        self.assertIn("其中，长沙软件园新增标准厂房20万平方米，为新增标准厂房面积最多的创业基地",
                      text)
        self.assertIn("邵阳经开区中小企业创业园拥有标准厂房面积52.5万平方米、"
                      "益阳市赫山区龙岭工业园创业基地40万平方米、怀化市工业园区中小企业创业基地"
                      "40万平方米、天易科技城自主创业园36.26万平方米、宏信创新产业园35.74万平方米，"
                      "居全省前五位", text)
        self.assertIn("运营单位总资产为253.7亿元", text)
        self.assertEqual(listed(text, "总资产规模最大的五家分别是"),
                         PRINTED["operator_total_assets"]["top"])
        self.assertIn("运营单位营业收入37.3亿元", text)
        self.assertIn("、".join(PRINTED["operator_revenue"]["top"]) + "营业收入居全省前五位", text)
        self.assertIn("服务人员共2615人", text)
        self.assertIn("桂阳县中小企业创业基地2017年新增服务人员34名", text)
        self.assertIn("、".join(PRINTED["service_staff"]["top"]) + "服务人员数量居全省前五位", text)
        self.assertIn("创业辅导师（持证）493人", text)
        self.assertEqual(listed(text, "创业辅导师人数最多的依次为"),
                         PRINTED["certified_mentors"]["top"])
        self.assertIn("2017年长沙医药健康产业园新增创业辅导师9名", text)
        self.assertIn("引进第三方服务机构712家，其中，湘乡市中小企业创业孵化基地比上年新增"
                      "合作服务机构10家", text)
        self.assertIn("开展服务活动共计8764场次，服务企业共计47847家次，其中：", text)
        for label, sessions, served in PRINTED_SERVICES:
            self.assertIn(f"{label}{sessions}场次，服务企业{served}家次", text)
        self.assertEqual(listed(text, "2017年开展服务活动次数最多的分别是"),
                         PRINTED["service_sessions"]["top"])
        self.assertEqual(listed(text, "服务企业数量最多的依次是"),
                         PRINTED["enterprises_served"]["top"])
        self.assertIn("2017年省级创业创新基地入驻企业户数为7841家。"
                      "其中小微企业6755家，占入驻企业总数的86.15%。", text)
        self.assertIn("德思勤创业大街入驻企业458家、湘潭火炬创新创业园315家、长海创业基地226家、"
                      "安仁县中小企业创业创新基地216家、三一众创孵化基地205家，居全省前五位", text)
        self.assertIn("总资产1210.0亿元，营业收入1166.2亿元，利润87.1亿元，税金40.1亿元", text)
        self.assertIn("2017年入驻企业拥有商标3713件，软件著作权2224件，专利7813件，其中：发明专利"
                      "2757件，实用新型专利2794件，外观设计专利2262件。", text)
        self.assertIn("其中实用新型专利、外观设计专利数量实现成倍增长", text)
        self.assertEqual(listed(text, "入驻企业拥有知识产权总数最多的分别是"),
                         INTELLECTUAL_PROPERTY_TOP5)
        assert_clean(text)

    # --- the .docx, written by the command and downloaded from the page -----------------

    def test_command_writes_the_printed_figures_and_names(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bulletin-2017.docx"
            out = io.StringIO()
            call_command("draft_bulletin", "--year", "2017", "--compare-year", "2016",
                         "--cohort-batch", "1", "-o", str(path), stdout=out)
            paragraphs = docx_paragraphs(path)
        self.assertIn("102 bases in 2017, cohort of 71 with 2016", out.getvalue())
        self.assert_printed_section_one(paragraphs)

    def test_page_download_has_the_printed_figures_and_is_audited(self):
        self.login(self.pat)
        response = self.client.get(reverse("statistics:bulletin_docx") + QUERY)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], DOCX)
        self.assertEqual(response["Content-Disposition"],
                         'attachment; filename="bulletin-2017.docx"')
        self.assert_printed_section_one(docx_paragraphs(response.content))
        event = AuditEvent.objects.get(event="export_bulletin")
        self.assertEqual((event.actor_username, event.object_repr),
                         ("pat", "bulletin-2017.docx compare=2016 batch=1"))

    def test_docx_has_headings_chinese_fonts_and_the_annex_tables(self):
        self.login(self.pat)
        content = self.client.get(reverse("statistics:bulletin_docx") + QUERY).content
        document = Document(io.BytesIO(content))
        styles = [(p.style.name, p.text) for p in document.paragraphs if p.text]

        title = "湖南省中小微企业创业创新基地2017年建设和运营情况通报"
        self.assertEqual(styles[0], ("Title", title))
        headings1 = [text for style, text in styles if style == "Heading 1"]
        headings2 = [text for style, text in styles if style == "Heading 2"]
        self.assertEqual(headings1, ["一、建设和运营情况", "二、存在的问题", "三、下一步工作要求",
                                     *(f"附件{i}" for i in range(1, 7))])
        self.assertEqual(headings2, list(SUBSECTION_TITLES))
        for prefix, heading in zip(("1. 建设规模", "2. 运营收入", "3. 服务队伍", "4. 服务活动",
                                    "5. 入驻企业", "6. 入驻企业创新成果"), headings2, strict=True):
            self.assertTrue(heading.startswith(prefix))
        texts = [text for _, text in styles]
        self.assertTrue(texts[texts.index("二、存在的问题") + 1].startswith("以下指标由系统根据"))
        two, three = texts.index("二、存在的问题"), texts.index("三、下一步工作要求")
        section_two = "\n".join(texts[two:three])
        self.assertIn("服务收入为2.73亿元，占营业收入的7.3%", section_two)
        self.assertIn("高新技术企业603家，占报送企业总数的9.8%", section_two)
        self.assertIn("合计141家，平均每家基地1.38家", section_two)
        self.assertIn("与省平台网络实现互联互通的45家，占基地总数的44.1%", section_two)
        self.assertIn("【请撰写下一步工作要求。】", texts)

        fonts = {name: document.styles[name].element.rPr.rFonts
                 for name in ("Normal", "Title", "Heading 1", "Heading 2")}
        self.assertEqual({name: f.get(qn("w:eastAsia")) for name, f in fonts.items()},
                         {"Normal": "仿宋", "Title": "宋体", "Heading 1": "黑体",
                          "Heading 2": "楷体"})
        for element in fonts.values():
            self.assertIsNone(element.get(qn("w:eastAsiaTheme")))

        annexes = compute_annexes(year=2017, compare_year=2016, cohort_batch=1)
        self.assertEqual(len(document.tables), 6)
        for table, annex in zip(document.tables, annexes, strict=True):
            heading_rows = len(annex.header)
            body = [[cell.text for cell in row.cells] for row in table.rows[heading_rows:]]
            self.assertEqual(body, [[row.label, *(c.display for c in row.cells)]
                                    for row in annex.rows])
        for number, span in ((3, "2"), (4, "3")):
            first_row = document.tables[number - 1].rows[0]._tr
            spans = [e.get(qn("w:val")) for e in first_row.iter(qn("w:gridSpan"))]
            self.assertEqual(spans, [span, span])
            merges = list(document.tables[number - 1]._tbl.iter(qn("w:vMerge")))
            self.assertEqual([m.get(qn("w:val")) for m in merges], ["restart", None])
            second = [c.text for c in document.tables[number - 1].rows[1].cells]
            self.assertEqual(second[1:], [c.split()[-1] for c in annexes[number].columns])

    # --- the print page ------------------------------------------------------------------

    def test_print_page_shows_the_same_text_and_obeys_the_csp(self):
        self.login(self.pat)
        response = self.client.get(reverse("statistics:bulletin") + QUERY)
        html = response.content.decode()

        self.assertEqual(response.status_code, 200)
        bulletin = draft_bulletin(year=2017, compare_year=2016, cohort_batch=1)
        for line in bulletin.lines():
            self.assertIn(line, html)
        self.assertIn("/static/css/print.css", html)
        self.assertIn(reverse("statistics:bulletin_docx") + QUERY.replace("&", "&amp;"), html)
        self.assert_csp_clean(html)
        self.assertEqual(AuditEvent.objects.get(event="export_bulletin").object_repr,
                         "bulletin-2017.html compare=2016 batch=1")

    def assert_csp_clean(self, html: str) -> None:
        self.assertNotIn("<style", html)
        self.assertNotRegex(html, r"\sstyle=")
        self.assertNotRegex(html, r"\son[a-z]+=")
        for tag in re.findall(r"<script[^>]*>", html):
            self.assertTrue(" src=" in tag or 'type="application/json"' in tag, tag)

    def test_preview_draft_says_so(self):
        self.login(self.pat)
        response = self.client.get(reverse("statistics:bulletin_docx") + QUERY + "&preview=on")

        self.assertIn("bulletin-2017-preview.docx", response["Content-Disposition"])
        texts = [text for _, text in docx_paragraphs(response.content)]
        self.assertTrue(texts[1].startswith("预览稿"))

    # --- the statistics page and its charts ----------------------------------------------

    def test_statistics_page_links_the_drafts_for_the_province_only(self):
        self.login(self.pat)
        html = self.client.get(reverse("statistics:index") + QUERY).content.decode()
        self.assertIn(reverse("statistics:bulletin") + QUERY.replace("&", "&amp;"), html)
        self.assertIn(reverse("statistics:bulletin_docx") + QUERY.replace("&", "&amp;"), html)
        self.assertIn('<script id="chart-data" type="application/json">', html)
        self.assertIn("/static/vendor/chartjs/chart.umd.min.js", html)
        self.assertIn("/static/js/statistics.js", html)
        self.assertIn("data-chart-table", html)
        self.assert_csp_clean(html)

        self.login(self.carol)
        html = self.client.get(reverse("statistics:index") + QUERY).content.decode()
        self.assertNotIn(reverse("statistics:bulletin"), html)
        self.assertIn('<script id="chart-data" type="application/json">', html)

    def chart_data(self, user=None) -> dict:
        self.login(user or self.pat)
        # The personas' two bases have no reports, so every year counts as unfinished here.
        response = self.client.get(reverse("statistics:chart_data") + QUERY
                                   + "&trend_incomplete=on")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        return {chart["key"]: chart for chart in response.json()["charts"]}

    @staticmethod
    def column(chart: dict, index: int, field: str = "display") -> list:
        return [cell[field] for cell in chart["series"][index]["cells"]]

    def test_chart_data_returns_the_numbers_of_the_annexes(self):
        charts = self.chart_data()
        annexes = compute_annexes(year=2017, compare_year=2016, cohort_batch=1)

        services, annex3 = charts["services"], annexes[3]
        self.assertEqual(services["labels"], [row.label for row in annex3.rows[:-1]])
        for index in range(4):
            self.assertEqual(self.column(services, index),
                             [row.cells[index].display for row in annex3.rows[:-1]])
            self.assertEqual(self.column(services, index, "number"),
                             [float(row.cells[index].rounded) for row in annex3.rows[:-1]])
        self.assertEqual([c["display"] for c in services["total"]["cells"]],
                         ["8764", "100%", "47847", "100%"])
        self.assertEqual(self.column(services, 0)[0], "1975")
        self.assertEqual(self.column(services, 1)[0], "22.5%")

        for number in (2, 6):
            chart, annex = charts[f"growth{number}"], annexes[number]
            self.assertEqual(chart["labels"], [row.label for row in annex.rows])
            for index in range(3):
                self.assertEqual(self.column(chart, index),
                                 [row.cells[index].display for row in annex.rows])
            self.assertEqual([s["plot"] for s in chart["series"]], [False, False, True])
        self.assertEqual(self.column(charts["growth2"], 2)[0], "12.5%")
        self.assertEqual(self.column(charts["growth6"], 2, "number")[-1], 202.9)

        cities = charts["cities"]
        self.assertEqual(len(cities["labels"]), 14)
        self.assertEqual([c["display"] for c in cities["total"]["cells"]],
                         [annexes[1].rows[0].cells[0].display,
                          annexes[1].row("入驻企业户数（家）").cells[0].display,
                          annexes[5].row("就业人数（人）").cells[0].display])
        self.assertEqual([c["display"] for c in cities["total"]["cells"]],
                         ["102", "7841", "207788"])
        self.assertEqual(sum(self.column(cities, 0, "number")), 102)

        trends = charts["trends"]
        self.assertEqual(trends["labels"], ["2016年", "2017年"])
        annexes_2016 = compute_annexes(year=2016, compare_year=None, cohort_batch=None)
        expected = {
            0: [a[1].rows[0].cells[0].display for a in (annexes_2016, annexes)],
            1: [a[1].row("建筑面积（万平方米）").cells[0].display
                for a in (annexes_2016, annexes)],
            4: [a[3].row("合计").cells[0].display for a in (annexes_2016, annexes)],
            5: [a[3].row("合计").cells[2].display for a in (annexes_2016, annexes)],
        }
        for index, displays in expected.items():
            self.assertEqual(self.column(trends, index), displays)
        self.assertEqual(self.column(trends, 0), ["71", "102"])

    def test_city_viewers_get_province_totals_and_their_own_city(self):
        for user, city in ((self.carol, "长沙市"), (self.charlie, "株洲市")):
            charts = self.chart_data(user)
            self.assertEqual(charts["cities"]["labels"], [city])
            self.assertEqual([c["display"] for c in charts["cities"]["total"]["cells"]],
                             ["102", "7841", "207788"])
            self.assertEqual([c["display"] for c in charts["services"]["total"]["cells"]],
                             ["8764", "100%", "47847", "100%"])

    def test_chart_data_refuses_a_bad_selection_with_a_message(self):
        self.login(self.pat)
        response = self.client.get(reverse("statistics:chart_data") + "?year=abc")
        self.assertEqual(response.status_code, 400)
        self.assertIn("year", response.json()["errors"])
        response = self.client.get(reverse("statistics:bulletin_docx") + "?year=2017"
                                                                          "&compare_year=2017")
        self.assertContains(response, "对比年度不能与统计年度相同", status_code=400)
