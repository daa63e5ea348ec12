"""The bulletin draft (通报草稿): the printed 2017 bulletin's text, written from the figures.

`build_bulletin` is pure: it turns the results of `compute_annexes`, `compute_rankings` and
the year's `Figures` into a `Bulletin` of sections and paragraphs, in the structure and style
of bulletin-2017.txt (title, addressees, opening, 一、建设和运营情况 with six sub-sections,
二、存在的问题 opening with the computed evidence, 三、下一步工作要求 as a placeholder, then
附件1–6). Every number is a `Cell` of the annexes (or a ranking value) shown with the
annexes' own rounding, so the draft never disagrees with the tables. Rendering (.docx, HTML)
lives elsewhere; `draft_bulletin` is the one function here that reads the database.

Missing figures drop their clause; a sentence whose every figure is missing is left out; a
ranking with fewer bases than N names the bases it has ("居全省前三位"); a "最多" sentence
names every base tied for first; nothing ever prints "None" or a placeholder dash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from reporting import indicators
from reporting.filing.selectors import data_note
from reporting.indicators import (
    PATENT_TYPES,
    SERVED_LABEL,
    SERVICE_CATEGORIES,
    SESSIONS_LABEL,
    WAN,
)
from reporting.statistics.annexes import (
    MAX_TOP,
    TOTAL_LABEL,
    Annex,
    Annexes,
    Cell,
    Figures,
    RankingRow,
    chinese_number,
    cohort_wording,
    compute_annexes,
    compute_rankings,
    figures_of,
    number,
    percent,
    ratio,
    source_reports,
    sum_present,
)

ParagraphKind = Literal["body", "item", "note", "placeholder"]

#: How many bases a "最大的依次是" list names; the printed bulletin names six for building area.
DEFAULT_TOP = 5
PRINTED_TOP: dict[str, int] = {"building_area": 6}

ADDRESSEES = "各市州经信委、县市区经信局、各中小微企业创业创新基地："
SECTION_ONE = "一、建设和运营情况"
SECTION_TWO = "二、存在的问题"
SECTION_THREE = "三、下一步工作要求"
SUBSECTION_TITLES = (
    "1. 建设规模",
    "2. 运营收入",
    "3. 服务队伍建设",
    "4. 服务活动开展",
    "5. 入驻企业发展",
    "6. 入驻企业创新成果",
)
DRAFT_NOTE = "本稿由系统根据{source}报表自动生成，数字与附件一致；请核对、修改后定稿。"
PREVIEW_NOTE = "预览稿：含已提交但尚未审核的报表数据，仅供内部核对，不得对外发布。"
EVIDENCE_NOTE = ("以下指标由系统根据{source}报表计算，可作为分析存在问题的依据，"
                 "供起草时保留或修改：")
PROBLEMS_PLACEHOLDER = "【请结合上述指标撰写存在的问题。】"
NEXT_STEPS_PLACEHOLDER = "【请撰写下一步工作要求。】"
SIGNATURE = ("【发文单位】", "【发文日期】")
#: The figures of 一.6 in order: what the enterprises hold, then the kinds of patents.
HOLDINGS = ("trademarks", "software_copyrights", "patents")


# ---------------------------------------------------------------------------------------
# The structure
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """One paragraph; `item` is a line of an enumeration, `note` and `placeholder` are for
    the author (renderers mark them so they are edited or removed before issuing)."""

    text: str
    kind: ParagraphKind = "body"


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...] = ()
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Bulletin:
    title: str
    notes: tuple[Paragraph, ...]
    addressees: str
    opening: str
    sections: tuple[Section, ...]
    signature: tuple[Paragraph, ...]
    annexes: Annexes = field(repr=False)

    @property
    def year(self) -> int:
        return self.annexes.year

    @property
    def filename_stem(self) -> str:
        return f"bulletin-{self.year}{'-preview' if self.annexes.preview else ''}"

    def section(self, heading: str) -> Section:
        return next(s for s in self.sections if s.heading == heading)

    def lines(self) -> list[str]:
        """The text in reading order: title, notes, addressees, opening, every heading and
        paragraph, the signature, then each annex's number and title (not its table)."""
        lines = [self.title, *(p.text for p in self.notes), self.addressees, self.opening]
        for section in self.sections:
            lines.extend(section_lines(section))
        lines.extend(p.text for p in self.signature)
        for annex in self.annexes:
            lines.extend((annex.sheet_name, annex.title))
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


def section_lines(section: Section) -> list[str]:
    lines = [section.heading, *(p.text for p in section.paragraphs)]
    for sub in section.subsections:
        lines.extend(section_lines(sub))
    return lines


@dataclass(frozen=True)
class Sources:
    """What the draft is written from.

    `rankings`: `compute_rankings(top=MAX_TOP)`, long enough to name every tied leader.
    `figures`: the province figures of the year (`figures_of(source_reports(...))`), for the
    figures no annex prints: innovation platforms and the yes/no (share_true) figures.
    """

    annexes: Annexes
    rankings: Mapping[str, Sequence[RankingRow]]
    figures: Figures


# ---------------------------------------------------------------------------------------
# Wording helpers (pure)
# ---------------------------------------------------------------------------------------


def shown(cell: Cell | None) -> str | None:
    """The printed figure, or None when it is missing or a literal such as "/"."""
    if cell is None or cell.literal is not None or cell.value is None:
        return None
    return cell.display


def rescaled(cell: Cell | None, decimals: int, scale: int = WAN) -> str | None:
    """The same exact value shown in other units (万元 → 亿元), rounded ROUND_HALF_UP."""
    if cell is None or cell.value is None or cell.literal is not None:
        return None
    return Cell(cell.value, decimals, scale).display


def plain(value: Decimal | int, decimals: int = 2, scale: int = 0) -> str:
    """A ranking value as printed in running text: 52.5, 40, 36.26 (no trailing zeros)."""
    rounded = Cell(Decimal(value), decimals, scale).rounded
    assert rounded is not None
    return format(rounded.normalize(), "f")


def label_in_text(code: str) -> str:
    """The figure's name in running text, as the catalog words it (`bulletin_label`)."""
    return indicators.BY_CODE[code].bulletin_label


def grown(annex: int, code: str, words: str | None = None) -> tuple[int, str, str, int]:
    """A `cohort_changes` item: the growth column of 附件2 or 附件6 for `code`, worded as
    the catalog words the figure unless `words` says otherwise."""
    return annex, code, words or label_in_text(code), 2


def change(cell: Cell | None) -> str | None:
    """A growth cell as words: 增长12.5% / 下降5.2% / 持平."""
    if cell is None or cell.value is None:
        return None
    rounded = cell.rounded
    assert rounded is not None
    if rounded > 0:
        return f"增长{cell.display}"
    if rounded < 0:
        return f"下降{Cell(-cell.value, cell.decimals, percent=True).display}"
    return "持平"


def sentence(*clauses: str | None) -> str:
    """The present clauses joined by "，" and closed by "。"; "" when none is present."""
    present = [clause for clause in clauses if clause]
    return "，".join(present) + "。" if present else ""


def names(rows: Iterable[RankingRow]) -> str:
    return "、".join(row.base_name for row in rows)


def ordinal_places(count: int) -> str:
    """居全省{前五位}: 首位 for one base."""
    return "首位" if count == 1 else f"前{chinese_number(count)}位"


def leaders(rows: Sequence[RankingRow], top: int) -> list[RankingRow]:
    """The first `top` places, without bases whose value is not positive."""
    return [row for row in rows[:top] if row.value > 0]


def tied_first(rows: Sequence[RankingRow]) -> list[RankingRow]:
    """Every base sharing the largest value, when that value is positive."""
    if not rows or rows[0].value <= 0:
        return []
    return [row for row in rows if row.value == rows[0].value]


def round_down(value: Decimal) -> Decimal | None:
    """A round figure at most `value` for "均在50万平方米以上": 54 → 50, 123 → 100, 7.3 → 7."""
    if value < 1:
        return None
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    return (value // magnitude) * magnitude


def find_row_cell(annex: Annex | None, key: str, column: int) -> Cell | None:
    """The cell of the row with code (or, failing that, label) `key`."""
    if annex is None:
        return None
    for row in annex.rows:
        if key in (row.code, row.label):
            return row.cells[column]
    return None


def without_empty(*paragraphs: Paragraph | None) -> tuple[Paragraph, ...]:
    return tuple(p for p in paragraphs if p is not None and p.text)


def body(*sentences: str) -> Paragraph | None:
    text = "".join(sentences)
    return Paragraph(text) if text else None


# ---------------------------------------------------------------------------------------
# The draft
# ---------------------------------------------------------------------------------------


class _Writer:
    """Writes each part of the draft from the sources; every method is pure."""

    def __init__(self, sources: Sources, top: int | None) -> None:
        self.annexes = sources.annexes
        self.rankings = sources.rankings
        self.figures = sources.figures
        self.top = top
        self.y = f"{self.annexes.year}年"
        self.n = self.annexes.n
        self.by_number = {annex.number: annex for annex in self.annexes}

    # --- access -------------------------------------------------------------------------

    def cell(self, annex: int, key: str, column: int = 0) -> Cell | None:
        return find_row_cell(self.by_number.get(annex), key, column)

    def figure(self, annex: int, key: str, column: int = 0) -> str | None:
        return shown(self.cell(annex, key, column))

    def ranked(self, code: str) -> Sequence[RankingRow]:
        return self.rankings.get(code, ())

    def top_of(self, code: str) -> list[RankingRow]:
        count = self.top if self.top is not None else PRINTED_TOP.get(code, DEFAULT_TOP)
        return leaders(self.ranked(code), count)

    @property
    def source(self) -> str:
        return "已审核及已提交（预览）" if self.annexes.preview else "已审核"

    @property
    def has_cohort(self) -> bool:
        return self.annexes.compare_year is not None and bool(self.annexes.cohort_size)

    def cohort_changes(self, items: Sequence[tuple[int, str, str, int]], after: str = "") -> str:
        """"与2016年相比，第一批71家省级创业创新基地建筑面积增长12.5%，…。" from the
        growth columns of 附件2/4/6; items are (annex, row code or label, wording, column)."""
        if not self.has_cohort:
            return ""
        clauses = [f"{wording}{words}" for annex, key, wording, column in items
                   if (words := change(self.cell(annex, key, column)))]
        if not clauses:
            return ""
        cohort = cohort_wording(self.annexes.cohort_batch, self.annexes.cohort_size or 0)
        return (f"与{self.annexes.compare_year}年相比，{cohort}省级创业创新基地"
                + "，".join(clauses) + after + "。")

    def most_increase(self, code: str, wording: str, amount: str, unit: str,
                      decimals: int = 0, scale: int = 0) -> str:
        """"其中，A2017年新增建筑面积最多，新增52万平方米。" naming every tied base."""
        first = tied_first(self.ranked(code))
        if not first:
            return ""
        value = plain(first[0].value, decimals, scale)
        both = "均" if len(first) > 1 else ""
        return (f"其中，{names(first)}{self.y}新增{wording}最多，"
                f"{both}{amount}{value}{unit}。")

    def ranked_list(self, code: str, lead: str) -> str:
        """"{lead}：A、B、C。" ("建筑面积最大的依次是"); one base: "…最多的是：A。"; none: ""."""
        rows = self.top_of(code)
        if not rows:
            return ""
        if len(rows) == 1:
            lead = lead.replace("分别", "").replace("依次", "")
        return f"{lead}：{names(rows)}。"

    def valued_list(self, code: str, first_wording: str, unit: str, decimals: int = 0,
                    scale: int = 0) -> str:
        """"A拥有标准厂房面积52.5万平方米、B40万平方米，居全省前二位。"."""
        rows = self.top_of(code)
        if not rows:
            return ""
        parts = [f"{row.base_name}{first_wording if place == 0 else ''}"
                 f"{plain(row.value, decimals, scale)}{unit}" for place, row in enumerate(rows)]
        return "、".join(parts) + f"，居全省{ordinal_places(len(rows))}。"

    # --- 一、建设和运营情况 ---------------------------------------------------------------

    def scale(self) -> tuple[Paragraph, ...]:
        y = self.y
        if self.n == 0:
            opening = f"{y}暂无{self.source}的省级创业创新基地报表。"
        else:
            area = self.figure(1, "building_area")
            opening = sentence(f"{y}省级创业创新基地总数达{self.n}家",
                               area and f"总建筑面积{area}万平方米")
        largest = self.top_of("building_area")
        largest_text = ""
        if largest:
            floor = (round_down(Decimal(largest[-1].value).scaleb(-WAN)) if len(largest) > 1
                     else None)
            largest_text = sentence(
                f"建筑面积最大的依次是：{names(largest)}" if len(largest) > 1
                else f"建筑面积最大的是{names(largest)}",
                f"均在{plain(floor, 0)}万平方米以上" if floor is not None else None)
        increase = self.most_increase("building_area_increase", label_in_text("building_area"),
                                      "新增", "万平方米", 2, WAN)
        factory = self.figure(1, "standard_factory_area")
        factory_text = sentence(factory and f"{y}省级创业创新基地标准厂房总面积{factory}万平方米")
        first = tied_first(self.ranked("standard_factory_area_increase"))
        factory_increase = ""
        if first:
            both = "均" if len(first) > 1 else ""
            value = plain(first[0].value, 2, WAN)
            factory_increase = (f"其中，{names(first)}{both}新增标准厂房{value}万平方米，"
                                f"为新增标准厂房面积最多的创业基地。")
        factory_top = self.valued_list("standard_factory_area", "拥有标准厂房面积", "万平方米",
                                       2, WAN)
        cohort = self.cohort_changes((grown(2, "building_area"),
                                      grown(2, "standard_factory_area")))
        return without_empty(body(opening, largest_text, increase),
                             body(factory_text, factory_increase, factory_top),
                             body(cohort))

    def revenue(self) -> tuple[Paragraph, ...]:
        y = self.y
        assets = self.figure(1, "operator_total_assets")
        assets_text = sentence(assets and f"{y}省级创业创新基地运营单位总资产为{assets}亿元")
        richest = self.top_of("operator_total_assets")
        if len(richest) > 1:
            assets_text += (f"总资产规模最大的{chinese_number(len(richest))}家分别是："
                            f"{names(richest)}。")
        elif richest:
            assets_text += f"总资产规模最大的是{names(richest)}。"
        revenue = rescaled(self.cell(1, "operator_revenue"), 1)
        service = rescaled(self.cell(1, "service_revenue"), 2)
        revenue_text = sentence(revenue and f"{y}省级创业创新基地运营单位营业收入{revenue}亿元",
                                service and f"其中服务收入{service}亿元")
        if not revenue and service:
            revenue_text = sentence(f"{y}省级创业创新基地运营单位服务收入{service}亿元")
        top = self.top_of("operator_revenue")
        if top:
            revenue_text += f"{names(top)}营业收入居全省{ordinal_places(len(top))}。"
        cohort = self.cohort_changes(tuple(grown(2, code) for code in (
            "operator_total_assets", "operator_revenue", "service_revenue",
            "service_expenditure")))
        return without_empty(body(assets_text), body(revenue_text), body(cohort))

    def staff(self) -> tuple[Paragraph, ...]:
        y = self.y
        staff = self.figure(1, "service_staff")
        staff_text = sentence(staff and f"{y}省级创业创新基地服务人员共{staff}人")
        first = tied_first(self.ranked("service_staff_increase"))
        if first:
            both = "均" if len(first) > 1 else ""
            staff_text += (f"其中，{names(first)}{y}{both}新增服务人员{plain(first[0].value)}名，"
                           f"为新增服务人员最多的基地。")
        most = self.top_of("service_staff")
        if most:
            staff_text += f"{names(most)}服务人员数量居全省{ordinal_places(len(most))}。"
        mentors = self.figure(1, "certified_mentors")
        mentor_text = sentence(mentors and f"{y}省级创业创新基地共有创业辅导师（持证）{mentors}人")
        mentor_text += self.ranked_list("certified_mentors", "创业辅导师人数最多的依次为")
        first = tied_first(self.ranked("certified_mentors_increase"))
        if first:
            both = "均" if len(first) > 1 else ""
            mentor_text += (f"{y}{names(first)}{both}新增创业辅导师{plain(first[0].value)}名，"
                            f"为新增创业辅导师最多的基地。")
        cohort = self.cohort_changes((grown(2, "service_staff"), grown(2, "certified_mentors")))
        return without_empty(body(staff_text), body(mentor_text), body(cohort))

    def share_true(self, code: str) -> tuple[int, str | None]:
        """How many bases answered yes, and their share of n (share_true, 1 decimal); no
        share when nobody answered at all."""
        if code not in self.figures.totals:
            return 0, None
        count = self.figures.positive_counts.get(code, 0)
        return count, shown(percent(ratio(Decimal(count), self.n)))

    def services(self) -> tuple[Paragraph, ...]:
        y = self.y
        policy = ""
        count, share = self.share_true("offers_rent_reduction")
        if share and count:
            policy = (f"{y}有{count}家省级创业创新基地对入驻企业实行租金减免等优惠政策，"
                      f"占基地总数的{share}。")
        elif share:
            policy = f"{y}省级创业创新基地均未对入驻企业实行租金减免等优惠政策。"
        institutions = self.figure(1, "third_party_institutions")
        first = tied_first(self.ranked("third_party_institutions_increase"))
        partner = ""
        if first:
            both = "均" if len(first) > 1 else ""
            partner = (f"其中，{names(first)}{both}比上年新增合作服务机构"
                       f"{plain(first[0].value)}家，为新增最多的基地")
        policy += sentence(institutions and f"省级创业创新基地引进第三方服务机构{institutions}家",
                           institutions and partner)
        sessions = self.figure(3, TOTAL_LABEL, 0)
        served = self.figure(3, TOTAL_LABEL, 2)
        items: list[Paragraph] = []
        for category in SERVICE_CATEGORIES:
            label = category.label if category.label.endswith("服务") else f"{category.label}服务"
            s = self.figure(3, category.label, 0)
            e = self.figure(3, category.label, 2)
            clauses = [f"{label}{s}场次" if s else None,
                       (f"服务企业{e}家次" if s else f"{label}服务企业{e}家次") if e else None]
            text = "，".join(c for c in clauses if c)
            if text:
                items.append(Paragraph(text + "；", "item"))
        if items:
            items[-1] = Paragraph(items[-1].text[:-1] + "。", "item")
        total_clauses = [f"开展服务活动共计{sessions}场次" if sessions else None,
                         f"服务企业共计{served}家次" if served else None]
        totals = ""
        if any(total_clauses):
            totals = (f"{y}省级创业创新基地" + "，".join(c for c in total_clauses if c)
                      + ("，其中：" if items else "。"))
        elif items:
            totals = f"{y}省级创业创新基地开展服务活动情况如下："
        leaders_text = (self.ranked_list("service_sessions", f"{y}开展服务活动次数最多的分别是")
                        + self.ranked_list("enterprises_served", "服务企业数量最多的依次是"))
        cohort = self.cohort_changes((grown(2, "third_party_institutions"),
                                      (4, TOTAL_LABEL, SESSIONS_LABEL, 2),
                                      (4, TOTAL_LABEL, SERVED_LABEL, 5)))
        return without_empty(body(policy), body(totals), *items, body(leaders_text),
                             body(cohort))

    def enterprises(self) -> tuple[Paragraph, ...]:
        y = self.y
        resident_cell = self.cell(1, "resident_enterprises")
        small_cell = self.cell(1, "small_micro_enterprises")
        resident, small = shown(resident_cell), shown(small_cell)
        text = sentence(resident and f"{y}省级创业创新基地入驻企业户数为{resident}家")
        share = None
        if resident_cell is not None and small_cell is not None:
            share = shown(percent(ratio(small_cell.value, resident_cell.value), 2))
        if small:
            text += sentence(f"其中小微企业{small}家",
                             share and f"占入驻企业总数的{share}")
        text += self.valued_list("resident_enterprises", "入驻企业", "家")
        reporting = self.figure(5, "reporting_enterprises")
        employees = self.figure(5, "employees")
        money = [(label_in_text(code), rescaled(self.cell(5, code), 1))
                 for code in ("ent_total_assets", "ent_revenue", "ent_profit", "ent_tax")]
        business = sentence(
            reporting and f"{y}报送经营数据的入驻企业{reporting}家",
            employees and f"就业人数{employees}人",
            *(value and f"{words}{value}亿元" for words, value in money))
        if not reporting and business:
            business = f"{y}入驻企业" + business
        cohort = self.cohort_changes((
            grown(2, "resident_enterprises"), grown(2, "small_micro_enterprises"),
            grown(6, "employees", f"入驻企业{label_in_text('employees')}"),
            *(grown(6, code) for code in ("ent_revenue", "ent_profit", "ent_tax"))))
        return without_empty(body(text), body(business), body(cohort))

    def innovation(self) -> tuple[Paragraph, ...]:
        y = self.y
        counts = {code: self.figure(5, code) for code in (*HOLDINGS, *PATENT_TYPES)}
        held = "，".join(f"{label_in_text(code)}{counts[code]}件" for code in HOLDINGS
                        if counts[code])
        kinds = "，".join(f"{label_in_text(code)}{counts[code]}件" for code in PATENT_TYPES
                         if counts[code])
        if held and kinds:
            held += f"，其中：{kinds}"
        elif kinds:
            held = kinds
        if held:
            held = f"{y}入驻企业拥有{held}。"
        doubled = [label_in_text(code) for code in (*HOLDINGS, *PATENT_TYPES)
                   if (cell := self.cell(6, code, 2)) is not None and cell.value is not None
                   and cell.value >= 1]
        first, *others = HOLDINGS
        cohort = self.cohort_changes(
            (grown(6, first, f"入驻企业拥有{label_in_text(first)}"),
             *(grown(6, code) for code in others)),
            after=f"，其中{'、'.join(doubled)}数量实现成倍增长" if doubled else "")
        leaders_text = self.ranked_list("intellectual_property",
                                        "入驻企业拥有知识产权总数最多的分别是")
        return without_empty(body(held, cohort), body(leaders_text))

    # --- 二、存在的问题 -----------------------------------------------------------------------

    def evidence(self) -> tuple[Paragraph, ...]:
        y = self.y
        platform_count, platform_share = self.share_true("has_service_platform")
        linked_count, linked_share = self.share_true("platform_interconnected")
        platform = sentence(
            platform_share and f"{y}已建立基地公共服务平台的省级创业创新基地{platform_count}家，"
                               f"占基地总数的{platform_share}",
            linked_share and f"与省平台网络实现互联互通的{linked_count}家，"
                             f"占基地总数的{linked_share}")
        revenue = self.cell(1, "operator_revenue")
        service = self.cell(1, "service_revenue")
        service_share = None
        if revenue is not None and service is not None:
            service_share = shown(percent(ratio(service.value, revenue.value)))
        service_text = sentence(
            (amount := rescaled(service, 2)) and f"{y}创业创新基地的服务收入为{amount}亿元",
            service_share and f"占营业收入的{service_share}")
        reporting_cell = self.cell(5, "reporting_enterprises")
        high_tech_cell = self.cell(5, "high_tech_enterprises")
        high_tech_share = None
        if reporting_cell is not None and high_tech_cell is not None:
            high_tech_share = shown(percent(ratio(high_tech_cell.value, reporting_cell.value)))
        reporting, high_tech = shown(reporting_cell), shown(high_tech_cell)
        innovation = sentence(
            reporting and f"报送数据的{reporting}家入驻企业中",
            high_tech and f"高新技术企业{high_tech}家",
            high_tech_share and f"占报送企业总数的{high_tech_share}")
        platforms = [(platform.bulletin_label, self.figures.total(platform.code))
                     for platform in indicators.innovation_platforms()]
        platform_total = sum_present(value for _, value in platforms)
        per_base = shown(number(ratio(platform_total, self.n), 2))
        innovation += sentence(
            *(f"{label}{plain(value, 0)}家" if value is not None else None
              for label, value in platforms),
            f"合计{plain(platform_total, 0)}家" if platform_total is not None else None,
            per_base and f"平均每家基地{per_base}家")
        averages = [(label_in_text(code), self.figure(5, code, 2))
                    for code in ("invention_patents", "software_copyrights")]
        if any(value for _, value in averages):
            innovation += ("入驻企业平均每家拥有" + "、".join(
                f"{words}{value}件" for words, value in averages if value) + "。")
        numbered = [(title, text) for title, text in (
            ("公共服务平台建设", platform), ("服务创收能力", service_text),
            ("入驻企业技术创新能力", innovation)) if text]
        paragraphs = [Paragraph(EVIDENCE_NOTE.format(source=self.source), "note")]
        paragraphs += [Paragraph(f"{i}. {title}。{text}")
                       for i, (title, text) in enumerate(numbered, start=1)]
        paragraphs.append(Paragraph(PROBLEMS_PLACEHOLDER, "placeholder"))
        return tuple(paragraphs)

    # --- the whole ----------------------------------------------------------------------

    def bulletin(self) -> Bulletin:
        year = self.annexes.year
        builders = (self.scale, self.revenue, self.staff, self.services, self.enterprises,
                    self.innovation)
        subsections = tuple(
            Section(title, builder() or (Paragraph(f"{self.y}暂无相关数据。"),))
            for title, builder in zip(SUBSECTION_TITLES, builders, strict=True))
        notes = [Paragraph(DRAFT_NOTE.format(source=self.source), "note")]
        if self.annexes.preview:
            notes.insert(0, Paragraph(PREVIEW_NOTE, "note"))
        return Bulletin(
            title=f"湖南省中小微企业创业创新基地{year}年建设和运营情况通报",
            notes=tuple(notes),
            addressees=ADDRESSEES,
            opening=(f"根据《湖南省中小微企业创业基地管理办法》，现将{year}年全省创业创新基地"
                     f"建设和运营情况通报如下："),
            sections=(
                Section(SECTION_ONE, subsections=subsections),
                Section(SECTION_TWO, self.evidence()),
                Section(SECTION_THREE, (Paragraph(NEXT_STEPS_PLACEHOLDER, "placeholder"),)),
            ),
            signature=tuple(Paragraph(text, "placeholder") for text in SIGNATURE),
            annexes=self.annexes,
        )


def build_bulletin(sources: Sources, *, top: int | None = None) -> Bulletin:
    """The draft of `sources.annexes.year`; `top` overrides how many bases every ranked
    list names (default: as printed, six for building area and five elsewhere)."""
    if top is not None and not 1 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 1 and {MAX_TOP}")
    return _Writer(sources, top).bulletin()


def draft_bulletin(*, year: int, compare_year: int | None, cohort_batch: int | None,
                   preview: bool = False, top: int | None = None) -> Bulletin:
    """Read the figures (the same aggregation as the annexes) and write the draft."""
    annexes = compute_annexes(year=year, compare_year=compare_year, cohort_batch=cohort_batch,
                              preview=preview)
    rankings = compute_rankings(year=year, top=MAX_TOP, preview=preview)
    figures = figures_of(source_reports(year=year, preview=preview))
    bulletin = build_bulletin(Sources(annexes, rankings, figures), top=top)
    note = data_note(year)
    if note is None:
        return bulletin
    # First thing the drafter reads: "居全省首位" of 1 base in 102 must not go out as is.
    lead = bulletin.notes[:1] if preview else ()  # the preview note stays first
    return replace(bulletin, notes=(*lead, Paragraph(note, "note"), *bulletin.notes[len(lead):]))
