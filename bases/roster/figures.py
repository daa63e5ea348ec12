"""The yearly figures kept per enterprise (SPEC section 10).

They are the catalog's `enterprises` codes (reporting/indicators.py) except
`reporting_enterprises`, `high_tech_enterprises` (counted from the roster) and `patents`
(derived). `bases` cannot import the catalog, so the list is repeated here and a test
(tests/roster/test_figures.py) keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Figure:
    code: str
    label: str
    unit: str
    kind: Literal["int", "decimal"]
    decimals: int = 0
    #: None: no lower bound (profit may be a loss).
    minimum: Decimal | None = Decimal(0)

    @property
    def label_with_unit(self) -> str:
        return f"{self.label}（{self.unit}）"


FIGURES: tuple[Figure, ...] = (
    Figure("employees", "就业人数", "人", "int"),
    Figure("ent_total_assets", "总资产", "万元", "decimal", decimals=2),
    Figure("ent_revenue", "营业收入", "万元", "decimal", decimals=2),
    Figure("ent_profit", "利润", "万元", "decimal", decimals=2, minimum=None),
    Figure("ent_tax", "税金", "万元", "decimal", decimals=2),
    Figure("trademarks", "拥有商标", "件", "int"),
    Figure("software_copyrights", "拥有软件著作权", "件", "int"),
    Figure("invention_patents", "发明专利", "件", "int"),
    Figure("utility_model_patents", "实用新型专利", "件", "int"),
    Figure("design_patents", "外观设计专利", "件", "int"),
)
FIGURE_CODES: tuple[str, ...] = tuple(figure.code for figure in FIGURES)
BY_CODE: dict[str, Figure] = {figure.code: figure for figure in FIGURES}

#: Enough digits for any enterprise in 万元 (10^12 万元 is far beyond the largest).
MAX_DIGITS = 16

#: GB/T 4754-2017 sections (门类).
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
)
