"""The indicator catalog: one entry per reported figure (the contract in indicators.csv).

Forms, checks, workbooks, the API, the annexes, the rankings, the bulletin and the admin all
read this registry, so a new figure is added here once and appears everywhere. Codes never
change.

Beyond the columns of indicators.csv each entry says how the published statistics show it
(SPEC section 5): its annex row (`AnnexRow`: order, units and decimals per printed column),
the rankings it takes part in, the wording the bulletin's running text uses, and the soft
checks that concern it. Everything below `CATALOG` is derived from it by `use_catalog`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Literal

from portal.numbers import (
    NegativeNumber,
    NumberSyntaxError,
    blank,
    number_pattern,
    parse_number_text,
)

Kind = Literal["decimal", "int", "bool"]
Value = Decimal | int | bool

OPERATION = "operation"
SERVICES = "services"
ENTERPRISES = "enterprises"
PLATFORMS = "platforms"

SECTIONS: dict[str, str] = {
    OPERATION: "基地建设运营",
    SERVICES: "服务活动",
    ENTERPRISES: "入驻企业",
    PLATFORMS: "创新平台与重点工作",
}

# Stored values are NUMERIC(16, 2), but the embedded default (SQLite) keeps NUMERIC as a
# double, exact to 15 significant digits: 13 whole digits and 2 decimals hold on every
# database (10^13 万元 is far beyond any base's figure).
VALUE_LIMIT = Decimal("1e13")
#: Digits a stored figure may have before the decimal point (13).
WHOLE_DIGITS = VALUE_LIMIT.adjusted()
#: The largest storable whole figure.
MAX_WHOLE = int(VALUE_LIMIT) - 1

#: Display units 10^4 times an entry unit: what an annex with `scale` 4 prints.
WAN = 4
SCALED_UNITS: dict[str, str] = {"平方米": "万平方米", "万元": "亿元"}
#: A catalog label's "of which" prefix: table layout, not part of the figure's name.
OF_WHICH = "其中："

TRUE_WORDS = {"true", "1", "是", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "否", "no", "n", "f"}


class InvalidValue(ValueError):
    """A raw input that is not a valid value for its indicator; the message is for the user."""


@dataclass(frozen=True)
class AnnexRow:
    """Where and how the annexes print a figure (SPEC section 5).

    Operation figures are rows of 附件1 and 附件2, enterprise figures of 附件5 and 附件6;
    `order` is the printed position among them. The year table (附件1/5) shows the figure
    `year_scale` powers of ten above its entry unit (4: 平方米 → 万平方米, 万元 → 亿元) with
    `total_decimals` and `base_average_decimals`; 附件5 adds the enterprise average with
    `enterprise_average_decimals` ("/" when None). The comparison table (附件2/6) shows both
    years with `comparison_scale` and `comparison_decimals`. `label` replaces the catalog
    label where the print words it differently.
    """

    order: int
    year_scale: int = 0
    total_decimals: int = 0
    base_average_decimals: int = 0
    enterprise_average_decimals: int | None = None
    comparison_scale: int = 0
    comparison_decimals: int = 0
    label: str = ""


@dataclass(frozen=True)
class SoftShare:
    """Soft check: the figure above `limit` × the figure `of` needs an explanation."""

    of: str
    limit: Decimal


@dataclass(frozen=True)
class Indicator:
    code: str
    section: str
    label: str
    unit: str
    kind: Kind
    decimals: int = 0
    minimum: Decimal | None = Decimal(0)
    required: bool = True
    aggregation: str = "sum"
    not_above: str | None = None
    implies: str | None = None
    derived_from: tuple[str, ...] = field(default=())
    notes: str = ""
    #: Its rows in the annexes; None: the annexes do not print it.
    annex: AnnexRow | None = None
    #: Places (SPEC section 5 order) of its own top-N ranking and of its "_increase" ranking.
    ranking: int | None = None
    increase_ranking: int | None = None
    #: The code of a combined ranking (`RANKING_GROUPS`) that sums it with other figures.
    ranking_group: str | None = None
    #: The figure's name in running text (the bulletin); default: the label without "其中：".
    bulletin_label: str = ""
    #: An innovation platform (创新平台), counted together in the bulletin's evidence.
    innovation_platform: bool = False
    #: Soft check (SPEC section 4): a figure above this share of another needs explaining.
    soft_share: SoftShare | None = None

    def __post_init__(self) -> None:
        if not self.bulletin_label:
            object.__setattr__(self, "bulletin_label", self.label.removeprefix(OF_WHICH))

    @property
    def derived(self) -> bool:
        return bool(self.derived_from)

    @property
    def is_bool(self) -> bool:
        return self.kind == "bool"

    @property
    def compared(self) -> bool:
        """An entered number: compared with last year and with the province's median."""
        return not self.is_bool and not self.derived

    @property
    def label_with_unit(self) -> str:
        return f"{self.label}（{self.unit}）"

    def display_unit(self, scale: int = 0) -> str:
        """The unit the figure is shown in `scale` powers of ten above its entry unit."""
        return SCALED_UNITS[self.unit] if scale else self.unit

    @property
    def signed(self) -> bool:
        return self.minimum is None or self.minimum < 0

    @cached_property
    def text_pattern(self) -> str:
        """The syntax of this figure typed as text (see `number_pattern`)."""
        return number_pattern(signed=self.signed, decimals=self.decimals)

    def parse(self, raw: object) -> Value | None:
        """Turn user input (form text, spreadsheet cell, JSON) into an exact value.

        Text follows the portal's one number syntax (portal/numbers.py). Floats are
        accepted only from spreadsheet cells and converted through their shortest decimal
        representation, which is what the user typed in Excel.
        """
        if raw is None or (isinstance(raw, str) and blank(raw)):
            return None
        if self.kind == "bool":
            return self._parse_bool(raw)
        number = self._parse_number(raw)
        # adjusted(): the exponent of the leading digit, with no arithmetic that could
        # overflow the decimal context (abs(Decimal("9e999999999")) raises).
        if not number.is_zero() and number.adjusted() >= WHOLE_DIGITS:
            raise InvalidValue("数值过大")
        if self.kind == "int":
            if number != number.to_integral_value():
                raise InvalidValue("必须是整数")
            value: Value = int(number)
        else:
            exponent = number.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > self.decimals:
                raise InvalidValue(f"最多保留{self.decimals}位小数")
            value = number.quantize(Decimal(1).scaleb(-self.decimals))
            if value.is_zero():
                value = value.copy_abs()  # "-0" is 0.00, never a stored "-0.00"
        if self.minimum is not None and value < self.minimum:
            raise InvalidValue(f"不能小于{self.minimum}")
        return value

    def _parse_bool(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | Decimal) and raw in (0, 1):
            return bool(raw)
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise InvalidValue("请填写“是”或“否”")

    def _parse_number(self, raw: object) -> Decimal:
        if isinstance(raw, bool):
            raise InvalidValue("必须是数字")
        if isinstance(raw, int):
            return Decimal(raw)
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise InvalidValue("必须是数字")
            return Decimal(repr(raw))
        if isinstance(raw, Decimal):
            if not raw.is_finite():
                raise InvalidValue("必须是数字")
            return raw
        return self._parse_text(str(raw))

    def _parse_text(self, text: str) -> Decimal:
        try:
            return parse_number_text(text, signed=self.signed)
        except NegativeNumber:
            raise InvalidValue(f"不能小于{self.minimum}") from None
        except NumberSyntaxError as exc:
            raise InvalidValue(str(exc)) from None

    def to_storage(self, value: Value) -> Decimal:
        return Decimal(int(value)) if isinstance(value, bool) else Decimal(value)

    @cached_property
    def from_storage(self) -> Callable[[Decimal], Value]:
        """`indicator.from_storage(stored)`: the stored NUMERIC as the indicator's type.

        One converter per indicator, built once (the export and the import convert every
        stored value, hundreds of thousands at a time): bool (not zero), int, or the
        decimal quantized to the indicator's places.
        """
        if self.kind == "bool":
            return bool
        if self.kind == "int":
            return int
        quantum = Decimal(1).scaleb(-self.decimals)
        return lambda stored: stored.quantize(quantum)


@dataclass(frozen=True)
class ServiceCategory:
    key: str
    label: str

    @property
    def sessions_code(self) -> str:
        return f"svc_{self.key}_sessions"

    @property
    def enterprises_code(self) -> str:
        return f"svc_{self.key}_enterprises"


SERVICE_CATEGORIES: tuple[ServiceCategory, ...] = (
    ServiceCategory("info", "信息服务"),
    ServiceCategory("coaching", "创业辅导"),
    ServiceCategory("innovation", "创新支持"),
    ServiceCategory("training", "人员培训"),
    ServiceCategory("marketing", "市场营销"),
    ServiceCategory("financing", "投融资服务"),
    ServiceCategory("consulting", "管理咨询"),
    ServiceCategory("professional", "专业服务"),
)

PATENT_TYPES = ("invention_patents", "utility_model_patents", "design_patents")
_MONEY_NOTE = "annex 6 shows 亿元"
_OPTIONAL_NOTE = "introduced by the bulletin's next-step requirements; optional"
#: How the catalog words the two figures of every service category (and 附件3/4 their groups).
SESSIONS_LABEL = "开展服务活动场次"
SERVED_LABEL = "服务企业家次"


@dataclass(frozen=True)
class RankingGroup:
    """A ranking of the sum of several figures: those whose `ranking_group` is `code`."""

    code: str
    title: str
    place: int


SERVICE_SESSIONS = "service_sessions"
ENTERPRISES_SERVED = "enterprises_served"
INTELLECTUAL_PROPERTY = "intellectual_property"
RANKING_GROUPS: tuple[RankingGroup, ...] = (
    RankingGroup(SERVICE_SESSIONS, f"{SESSIONS_LABEL}（{len(SERVICE_CATEGORIES)}类服务合计）",
                 12),
    RankingGroup(ENTERPRISES_SERVED, f"{SERVED_LABEL}（{len(SERVICE_CATEGORIES)}类服务合计）",
                 13),
    RankingGroup(INTELLECTUAL_PROPERTY, "拥有知识产权总数（商标、软件著作权、专利）", 15),
)


def _service_indicators() -> list[Indicator]:
    indicators = []
    for category in SERVICE_CATEGORIES:
        indicators.append(Indicator(category.sessions_code, SERVICES,
                                    f"{category.label} {SESSIONS_LABEL}", "场次", "int",
                                    ranking_group=SERVICE_SESSIONS))
        indicators.append(Indicator(category.enterprises_code, SERVICES,
                                    f"{category.label} {SERVED_LABEL}", "家次", "int",
                                    ranking_group=ENTERPRISES_SERVED))
    return indicators


def _counted(order: int, enterprise_average_decimals: int | None = None) -> AnnexRow:
    """An annex row of a count: entry units, no decimals (except the enterprise average)."""
    return AnnexRow(order, enterprise_average_decimals=enterprise_average_decimals)


def _in_wan(order: int, total: int, base_average: int, comparison: int) -> AnnexRow:
    """An annex row of an area or an amount shown in 万平方米 / 亿元 in 附件1 and 附件2."""
    return AnnexRow(order, WAN, total, base_average, comparison_scale=WAN,
                    comparison_decimals=comparison)


def _enterprise_money(order: int, enterprise_average_decimals: int) -> AnnexRow:
    """附件5 in 万元 without decimals, 附件6 in 亿元 with one (SPEC section 5)."""
    return AnnexRow(order, enterprise_average_decimals=enterprise_average_decimals,
                    comparison_scale=WAN, comparison_decimals=1)


CATALOG: tuple[Indicator, ...] = (
    Indicator("building_area", OPERATION, "建筑面积", "平方米", "decimal", decimals=2,
              notes="annexes show 万平方米 (divide by 10000)",
              annex=_in_wan(1, 1, 1, 1), ranking=1, increase_ranking=2),
    Indicator("standard_factory_area", OPERATION, "标准厂房面积", "平方米", "decimal",
              decimals=2, not_above="building_area",
              notes="must not exceed building_area; annexes show 万平方米",
              annex=_in_wan(2, 1, 1, 1), ranking=3, increase_ranking=4),
    Indicator("avg_rent", OPERATION, "租金平均水平", "元/平方米/月", "decimal", decimals=2,
              required=False, aggregation="mean_of_positive",
              notes="province figure = mean over bases reporting a value > 0; "
                    "empty when the base does not rent",
              annex=AnnexRow(3, 0, 1, 1, comparison_decimals=1)),
    Indicator("avg_sale_price", OPERATION, "平均售价", "元/平方米", "decimal", decimals=2,
              required=False, aggregation="mean_of_positive",
              notes="province figure = mean over bases reporting a value > 0; "
                    "empty when the base does not sell",
              annex=AnnexRow(4, 0, 1, 1, comparison_decimals=1)),
    Indicator("service_staff", OPERATION, "服务人员数量", "人", "int",
              annex=_counted(5), ranking=7, increase_ranking=8),
    Indicator("certified_mentors", OPERATION, "创业辅导师持证人数", "人", "int",
              annex=_counted(6), ranking=9, increase_ranking=10),
    Indicator("operator_total_assets", OPERATION, "运营单位总资产", "万元", "decimal",
              decimals=2, notes="annexes show 亿元 (divide by 10000)",
              annex=_in_wan(7, 1, 2, 1), ranking=5),
    Indicator("operator_revenue", OPERATION, "运营单位营业收入", "万元", "decimal", decimals=2,
              notes="annex 2 shows 亿元", bulletin_label="营业收入",
              annex=AnnexRow(8, comparison_scale=WAN, comparison_decimals=1), ranking=6),
    Indicator("service_revenue", OPERATION, "其中：服务收入", "万元", "decimal", decimals=2,
              not_above="operator_revenue", notes="must not exceed operator_revenue",
              annex=AnnexRow(9, comparison_scale=WAN, comparison_decimals=2),
              soft_share=SoftShare("operator_revenue", Decimal("0.5"))),
    Indicator("service_expenditure", OPERATION, "服务性支出", "万元", "decimal", decimals=2,
              annex=AnnexRow(10, comparison_scale=WAN, comparison_decimals=2)),
    Indicator("third_party_institutions", OPERATION, "引进第三方服务机构", "家", "int",
              annex=_counted(11), increase_ranking=11),
    Indicator("resident_enterprises", OPERATION, "入驻企业户数", "家", "int",
              annex=_counted(12), ranking=14),
    Indicator("small_micro_enterprises", OPERATION, "其中：小微企业户数", "家", "int",
              not_above="resident_enterprises", notes="must not exceed resident_enterprises",
              annex=_counted(13)),
    Indicator("offers_rent_reduction", OPERATION, "对入驻企业实行租金减免等优惠政策", "是/否",
              "bool", minimum=None, aggregation="share_true"),
    Indicator("has_service_platform", OPERATION, "已建立基地公共服务平台", "是/否", "bool",
              minimum=None, aggregation="share_true"),
    Indicator("platform_interconnected", OPERATION, "公共服务平台已与省平台互联互通", "是/否",
              "bool", minimum=None, aggregation="share_true", implies="has_service_platform",
              notes="true only if has_service_platform is true"),
    *_service_indicators(),
    Indicator("reporting_enterprises", ENTERPRISES, "报送企业户数", "家", "int",
              not_above="resident_enterprises", notes="must not exceed resident_enterprises",
              annex=_counted(1)),
    Indicator("high_tech_enterprises", ENTERPRISES, "其中：高新技术企业户数", "家", "int",
              not_above="reporting_enterprises", notes="must not exceed reporting_enterprises",
              annex=_counted(2)),
    Indicator("employees", ENTERPRISES, "就业人数", "人", "int", annex=_counted(3, 0)),
    Indicator("ent_total_assets", ENTERPRISES, "总资产", "万元", "decimal", decimals=2,
              notes=_MONEY_NOTE, annex=_enterprise_money(4, 0)),
    Indicator("ent_revenue", ENTERPRISES, "营业收入", "万元", "decimal", decimals=2,
              notes=_MONEY_NOTE, annex=_enterprise_money(5, 0)),
    Indicator("ent_profit", ENTERPRISES, "利润", "万元", "decimal", decimals=2, minimum=None,
              notes="may be negative (losses); annex 6 shows 亿元",
              annex=_enterprise_money(6, 1)),
    Indicator("ent_tax", ENTERPRISES, "税金", "万元", "decimal", decimals=2, notes=_MONEY_NOTE,
              annex=_enterprise_money(7, 1)),
    Indicator("trademarks", ENTERPRISES, "拥有商标", "件", "int", bulletin_label="商标",
              annex=_counted(8, 1), ranking_group=INTELLECTUAL_PROPERTY),
    Indicator("software_copyrights", ENTERPRISES, "拥有软件著作权", "件", "int",
              bulletin_label="软件著作权", annex=_counted(9, 2),
              ranking_group=INTELLECTUAL_PROPERTY),
    Indicator("invention_patents", ENTERPRISES, "发明专利", "件", "int",
              annex=AnnexRow(11, enterprise_average_decimals=2, label="其中：发明专利"),
              ranking_group=INTELLECTUAL_PROPERTY),
    Indicator("utility_model_patents", ENTERPRISES, "实用新型专利", "件", "int",
              annex=_counted(12, 2), ranking_group=INTELLECTUAL_PROPERTY),
    Indicator("design_patents", ENTERPRISES, "外观设计专利", "件", "int",
              annex=_counted(13, 2), ranking_group=INTELLECTUAL_PROPERTY),
    # Printed before its three kinds (附件5/6), listed after them here as in indicators.csv.
    Indicator("patents", ENTERPRISES, "拥有专利", "件", "int", derived_from=PATENT_TYPES,
              notes="derived = invention_patents + utility_model_patents + design_patents; "
                    "never entered; not a column in imports",
              bulletin_label="专利", annex=_counted(10, 2)),
    Indicator("tech_centers", PLATFORMS, "省级以上企业技术中心", "家", "int",
              innovation_platform=True),
    Indicator("engineering_research_centers", PLATFORMS, "省级以上工程技术研发中心", "家",
              "int", innovation_platform=True),
    Indicator("engineering_labs", PLATFORMS, "省级以上工程实验室", "家", "int",
              innovation_platform=True),
    Indicator("postdoc_stations", PLATFORMS, "博士后工作站", "家", "int",
              innovation_platform=True),
    Indicator("cloud_enterprises", PLATFORMS, "推动“上云”的入驻企业", "家", "int",
              required=False, notes=_OPTIONAL_NOTE),
    Indicator("maker_contest_entries", PLATFORMS, "推荐参加“创客中国”大赛项目", "个", "int",
              required=False, notes=_OPTIONAL_NOTE),
)

BY_CODE: dict[str, Indicator] = {}
#: What an officer types or a workbook carries; derived figures are computed, never entered.
ENTERED: tuple[Indicator, ...] = ()
DERIVED: tuple[Indicator, ...] = ()
ENTERED_CODES: tuple[str, ...] = ()
#: What the checks walk for every report (an import checks thousands against the same
#: catalog): (code, required, not_above, implies) of every entered figure ...
HARD_RULES: tuple[tuple[str, bool, str | None, str | None], ...] = ()
#: ... the codes of the entered numbers (`Indicator.compared`), in catalog order ...
COMPARED_CODES: tuple[str, ...] = ()
#: ... and the figures with a soft share of another.
SOFT_SHARES: tuple[tuple[Indicator, SoftShare], ...] = ()


def use_catalog(catalog: Iterable[Indicator]) -> None:
    """Make `catalog` the registry and derive every table above from it.

    Runs once at import with the literal `CATALOG`. Every reader looks the tables up on this
    module when it runs (`indicators.ENTERED`, never a copy taken at import), so a test can
    register an extra figure here and restore the registry afterwards.
    """
    global CATALOG, BY_CODE, ENTERED, DERIVED, ENTERED_CODES, HARD_RULES, COMPARED_CODES
    global SOFT_SHARES
    catalog = tuple(catalog)
    by_code = {indicator.code: indicator for indicator in catalog}
    if len(by_code) != len(catalog):
        raise ValueError("indicator codes must be unique")
    for section in (OPERATION, ENTERPRISES):
        orders = [i.annex.order for i in catalog if i.section == section and i.annex]
        if len(set(orders)) != len(orders):
            raise ValueError(f"two annex rows of {section} share a place")
    for i in catalog:
        scales = {i.annex.year_scale, i.annex.comparison_scale} if i.annex else set()
        if scales - {0, WAN} or (scales - {0} and i.unit not in SCALED_UNITS):
            raise ValueError(f"{i.code}: no display unit for the annex scale")
    places = [place for i in catalog for place in (i.ranking, i.increase_ranking)
              if place is not None] + [group.place for group in RANKING_GROUPS]
    if len(set(places)) != len(places):
        raise ValueError("two rankings share a place")
    CATALOG, BY_CODE = catalog, by_code
    ENTERED = tuple(i for i in catalog if not i.derived)
    DERIVED = tuple(i for i in catalog if i.derived)
    ENTERED_CODES = tuple(i.code for i in ENTERED)
    HARD_RULES = tuple((i.code, i.required, i.not_above, i.implies) for i in ENTERED)
    COMPARED_CODES = tuple(i.code for i in ENTERED if i.compared)
    SOFT_SHARES = tuple((i, i.soft_share) for i in ENTERED if i.soft_share is not None)


use_catalog(CATALOG)


def get(code: str) -> Indicator:
    return BY_CODE[code]


def in_section(section: str, *, include_derived: bool = True) -> list[Indicator]:
    return [i for i in CATALOG if i.section == section and (include_derived or not i.derived)]


def annex_rows(section: str) -> list[Indicator]:
    """The section's figures the annexes print, in printed order (附件1/2: operation,
    附件5/6: enterprises)."""
    return sorted((i for i in CATALOG if i.section == section and i.annex is not None),
                  key=lambda i: i.annex.order)  # type: ignore[union-attr]


def ranking_group(code: str) -> tuple[str, ...]:
    """The codes a combined ranking (`RANKING_GROUPS`) adds up, in catalog order."""
    return tuple(i.code for i in CATALOG if i.ranking_group == code)


def innovation_platforms() -> list[Indicator]:
    return [i for i in CATALOG if i.innovation_platform]


def with_derived(values: dict[str, Value]) -> dict[str, Value]:
    """Entered values plus every derived figure whose parts are all present."""
    result = dict(values)
    for indicator in DERIVED:
        parts = [values.get(code) for code in indicator.derived_from]
        if all(part is not None for part in parts):
            result[indicator.code] = sum(parts)  # type: ignore[arg-type]
    return result


LEDGER = "ledger"
ROSTER = "roster"
#: How the report names each record it can be pre-filled from.
RECORD_LABELS: dict[str, str] = {LEDGER: "台帐", ROSTER: "名册"}


def record_sources() -> dict[str, str]:
    """{code: LEDGER | ROSTER}: the figures the service ledger and the resident-enterprise
    roster compute (SPEC sections 9 and 10), in catalog order, derived ones included.

    The ledger: every service category's two figures, the institutions, the platform's
    interconnection. The roster: the resident and small-micro counts and the whole
    `enterprises` section (patents derived from its three kinds as everywhere).
    """
    ledger = {code for c in SERVICE_CATEGORIES for code in (c.sessions_code, c.enterprises_code)}
    ledger |= {"third_party_institutions", "platform_interconnected"}
    roster = {"resident_enterprises", "small_micro_enterprises"}
    sources = {}
    for indicator in CATALOG:
        if indicator.code in ledger:
            sources[indicator.code] = LEDGER
        elif indicator.code in roster or indicator.section == ENTERPRISES:
            sources[indicator.code] = ROSTER
    return sources
