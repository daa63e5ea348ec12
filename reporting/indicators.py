"""The indicator catalog: one entry per reported figure (the contract in indicators.csv).

Forms, checks, workbooks, the API, the annexes and the admin all read this registry, so a
new figure is added here once and appears everywhere. Codes never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Literal

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

# Stored values are NUMERIC(16, 2): anything at or above this cannot be stored exactly.
VALUE_LIMIT = Decimal("1e14")

TRUE_WORDS = {"true", "1", "是", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "否", "no", "n", "f"}


class InvalidValue(ValueError):
    """A raw input that is not a valid value for its indicator; the message is for the user."""


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

    @property
    def derived(self) -> bool:
        return bool(self.derived_from)

    @property
    def is_bool(self) -> bool:
        return self.kind == "bool"

    @property
    def label_with_unit(self) -> str:
        return f"{self.label}（{self.unit}）"

    def parse(self, raw: object) -> Value | None:
        """Turn user input (form text, spreadsheet cell, JSON) into an exact value.

        Floats are accepted only from spreadsheet cells and converted through their
        shortest decimal representation, which is what the user typed in Excel.
        """
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return None
        if self.kind == "bool":
            return self._parse_bool(raw)
        number = self._parse_number(raw)
        if abs(number) >= VALUE_LIMIT:
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
        if isinstance(raw, float):
            raw = repr(raw)
        text = str(raw).strip().replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidValue("必须是数字") from None
        if not number.is_finite():
            raise InvalidValue("必须是数字")
        return number

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


def _service_indicators() -> list[Indicator]:
    indicators = []
    for category in SERVICE_CATEGORIES:
        indicators.append(Indicator(category.sessions_code, SERVICES,
                                    f"{category.label} 开展服务活动场次", "场次", "int"))
        indicators.append(Indicator(category.enterprises_code, SERVICES,
                                    f"{category.label} 服务企业家次", "家次", "int"))
    return indicators


CATALOG: tuple[Indicator, ...] = (
    Indicator("building_area", OPERATION, "建筑面积", "平方米", "decimal", decimals=2,
              notes="annexes show 万平方米 (divide by 10000)"),
    Indicator("standard_factory_area", OPERATION, "标准厂房面积", "平方米", "decimal",
              decimals=2, not_above="building_area",
              notes="must not exceed building_area; annexes show 万平方米"),
    Indicator("avg_rent", OPERATION, "租金平均水平", "元/平方米/月", "decimal", decimals=2,
              required=False, aggregation="mean_of_positive",
              notes="province figure = mean over bases reporting a value > 0; "
                    "empty when the base does not rent"),
    Indicator("avg_sale_price", OPERATION, "平均售价", "元/平方米", "decimal", decimals=2,
              required=False, aggregation="mean_of_positive",
              notes="province figure = mean over bases reporting a value > 0; "
                    "empty when the base does not sell"),
    Indicator("service_staff", OPERATION, "服务人员数量", "人", "int"),
    Indicator("certified_mentors", OPERATION, "创业辅导师持证人数", "人", "int"),
    Indicator("operator_total_assets", OPERATION, "运营单位总资产", "万元", "decimal",
              decimals=2, notes="annexes show 亿元 (divide by 10000)"),
    Indicator("operator_revenue", OPERATION, "运营单位营业收入", "万元", "decimal", decimals=2,
              notes="annex 2 shows 亿元"),
    Indicator("service_revenue", OPERATION, "其中：服务收入", "万元", "decimal", decimals=2,
              not_above="operator_revenue", notes="must not exceed operator_revenue"),
    Indicator("service_expenditure", OPERATION, "服务性支出", "万元", "decimal", decimals=2),
    Indicator("third_party_institutions", OPERATION, "引进第三方服务机构", "家", "int"),
    Indicator("resident_enterprises", OPERATION, "入驻企业户数", "家", "int"),
    Indicator("small_micro_enterprises", OPERATION, "其中：小微企业户数", "家", "int",
              not_above="resident_enterprises", notes="must not exceed resident_enterprises"),
    Indicator("offers_rent_reduction", OPERATION, "对入驻企业实行租金减免等优惠政策", "是/否",
              "bool", minimum=None, aggregation="share_true"),
    Indicator("has_service_platform", OPERATION, "已建立基地公共服务平台", "是/否", "bool",
              minimum=None, aggregation="share_true"),
    Indicator("platform_interconnected", OPERATION, "公共服务平台已与省平台互联互通", "是/否",
              "bool", minimum=None, aggregation="share_true", implies="has_service_platform",
              notes="true only if has_service_platform is true"),
    *_service_indicators(),
    Indicator("reporting_enterprises", ENTERPRISES, "报送企业户数", "家", "int",
              not_above="resident_enterprises", notes="must not exceed resident_enterprises"),
    Indicator("high_tech_enterprises", ENTERPRISES, "其中：高新技术企业户数", "家", "int",
              not_above="reporting_enterprises", notes="must not exceed reporting_enterprises"),
    Indicator("employees", ENTERPRISES, "就业人数", "人", "int"),
    Indicator("ent_total_assets", ENTERPRISES, "总资产", "万元", "decimal", decimals=2,
              notes=_MONEY_NOTE),
    Indicator("ent_revenue", ENTERPRISES, "营业收入", "万元", "decimal", decimals=2,
              notes=_MONEY_NOTE),
    Indicator("ent_profit", ENTERPRISES, "利润", "万元", "decimal", decimals=2, minimum=None,
              notes="may be negative (losses); annex 6 shows 亿元"),
    Indicator("ent_tax", ENTERPRISES, "税金", "万元", "decimal", decimals=2, notes=_MONEY_NOTE),
    Indicator("trademarks", ENTERPRISES, "拥有商标", "件", "int"),
    Indicator("software_copyrights", ENTERPRISES, "拥有软件著作权", "件", "int"),
    Indicator("invention_patents", ENTERPRISES, "发明专利", "件", "int"),
    Indicator("utility_model_patents", ENTERPRISES, "实用新型专利", "件", "int"),
    Indicator("design_patents", ENTERPRISES, "外观设计专利", "件", "int"),
    Indicator("patents", ENTERPRISES, "拥有专利", "件", "int", derived_from=PATENT_TYPES,
              notes="derived = invention_patents + utility_model_patents + design_patents; "
                    "never entered; not a column in imports"),
    Indicator("tech_centers", PLATFORMS, "省级以上企业技术中心", "家", "int"),
    Indicator("engineering_research_centers", PLATFORMS, "省级以上工程技术研发中心", "家",
              "int"),
    Indicator("engineering_labs", PLATFORMS, "省级以上工程实验室", "家", "int"),
    Indicator("postdoc_stations", PLATFORMS, "博士后工作站", "家", "int"),
    Indicator("cloud_enterprises", PLATFORMS, "推动“上云”的入驻企业", "家", "int",
              required=False, notes=_OPTIONAL_NOTE),
    Indicator("maker_contest_entries", PLATFORMS, "推荐参加“创客中国”大赛项目", "个", "int",
              required=False, notes=_OPTIONAL_NOTE),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in CATALOG}
#: What an officer types or a workbook carries; derived figures are computed, never entered.
ENTERED: tuple[Indicator, ...] = tuple(i for i in CATALOG if not i.derived)
DERIVED: tuple[Indicator, ...] = tuple(i for i in CATALOG if i.derived)
ENTERED_CODES: tuple[str, ...] = tuple(i.code for i in ENTERED)


def get(code: str) -> Indicator:
    return BY_CODE[code]


def in_section(section: str, *, include_derived: bool = True) -> list[Indicator]:
    return [i for i in CATALOG if i.section == section and (include_derived or not i.derived)]


def with_derived(values: dict[str, Value]) -> dict[str, Value]:
    """Entered values plus every derived figure whose parts are all present."""
    result = dict(values)
    for indicator in DERIVED:
        parts = [values.get(code) for code in indicator.derived_from]
        if all(part is not None for part in parts):
            result[indicator.code] = sum(parts)  # type: ignore[arg-type]
    return result
