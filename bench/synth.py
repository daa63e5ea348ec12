"""A synthetic province: N bases, each with two years of figures that pass every hard check.

Deterministic (seeded by the base number), so every run and every database gets the same
figures. Values vary per base (a size factor) and from year to year (a growth factor), so
sums, means of positives, medians and rankings all have real work to do.
"""

from __future__ import annotations

import random
from decimal import Decimal

from reporting import indicators
from reporting.workbook.data import BASE_COLUMNS, BASES_SHEET, REPORT_KEYS, REPORTS_SHEET

CITIES = (
    "长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市",
    "张家界市", "益阳市", "郴州市", "永州市", "怀化市", "娄底市", "湘西土家族苗族自治州",
)
YEARS = (2016, 2017)
CENT = Decimal("0.01")


def base_code(i: int) -> str:
    return f"HN{i:05d}"


def bases(n: int) -> list[dict]:
    return [{"code": base_code(i), "name": f"合成基地{i:05d}", "city": CITIES[i % len(CITIES)],
             "county": f"第{i % 9 + 1}区", "batch": i % 5 + 1} for i in range(n)]


def _money(x: float) -> Decimal:
    return Decimal(repr(round(x, 2))).quantize(CENT)


def values_for(i: int, year: int) -> dict[str, object]:
    """Typed values (Decimal / int / bool) of base i in `year`; all hard checks pass."""
    rnd = random.Random(i * 7919 + 17)
    size = rnd.uniform(0.3, 3.0)
    growth = 1.0 + (year - YEARS[0]) * rnd.uniform(-0.1, 0.3)
    s = size * growth
    v: dict[str, object] = {}
    v["building_area"] = _money(100000 * s + rnd.random())
    v["standard_factory_area"] = _money(float(v["building_area"]) * rnd.uniform(0.2, 0.9))
    v["avg_rent"] = _money(rnd.uniform(8, 40)) if i % 4 else None
    v["avg_sale_price"] = _money(rnd.uniform(2000, 6000)) if i % 3 == 0 else None
    v["service_staff"] = int(20 * s) + 1
    v["certified_mentors"] = int(5 * s)
    v["operator_total_assets"] = _money(50000 * s)
    v["operator_revenue"] = _money(8000 * s)
    v["service_revenue"] = _money(float(v["operator_revenue"]) * rnd.uniform(0.05, 0.45))
    v["service_expenditure"] = _money(600 * s)
    v["third_party_institutions"] = int(10 * s)
    resident = int(120 * s) + 5
    v["resident_enterprises"] = resident
    v["small_micro_enterprises"] = int(resident * 0.85)
    v["offers_rent_reduction"] = i % 3 != 0
    v["has_service_platform"] = i % 5 != 0
    v["platform_interconnected"] = i % 5 not in (0, 1)
    for category in indicators.SERVICE_CATEGORIES:
        sessions = int(rnd.uniform(5, 60) * growth)
        v[category.sessions_code] = sessions
        v[category.enterprises_code] = sessions * rnd.randint(2, 20)
    reporting = int(resident * 0.9)
    v["reporting_enterprises"] = reporting
    v["high_tech_enterprises"] = int(reporting * 0.1)
    v["employees"] = int(reporting * 25 * rnd.uniform(0.8, 1.2))
    v["ent_total_assets"] = _money(200000 * s)
    v["ent_revenue"] = _money(150000 * s)
    v["ent_profit"] = _money(9000 * s * rnd.uniform(-0.2, 1.0))
    v["ent_tax"] = _money(4000 * s)
    v["trademarks"] = int(40 * s)
    v["software_copyrights"] = int(30 * s)
    v["invention_patents"] = int(8 * s)
    v["utility_model_patents"] = int(20 * s)
    v["design_patents"] = int(6 * s)
    v["tech_centers"] = int(2 * s)
    v["engineering_research_centers"] = int(2 * s)
    v["engineering_labs"] = int(s)
    v["postdoc_stations"] = i % 7 == 0 and 1 or 0
    v["cloud_enterprises"] = int(30 * s) if i % 2 else None
    v["maker_contest_entries"] = int(3 * s) if i % 2 else None
    assert set(v) == set(indicators.ENTERED_CODES)
    return v


def reports(n: int) -> list[tuple[str, int, dict]]:
    return [(base_code(i), year, values_for(i, year)) for i in range(n) for year in YEARS]


def write_workbook(path: str, n: int) -> int:
    """The data workbook of the synthetic province (bases + reports sheets), as a user's file.

    Written with bare openpyxl write-only; returns the number of report rows.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(BASES_SHEET)
    sheet.append(list(BASE_COLUMNS))
    for row in bases(n):
        sheet.append([row[key] for key in BASE_COLUMNS])
    sheet = workbook.create_sheet(REPORTS_SHEET)
    sheet.append([*REPORT_KEYS, *indicators.ENTERED_CODES])
    count = 0
    for code, year, values in reports(n):
        sheet.append([code, year, *(values[c] for c in indicators.ENTERED_CODES)])
        count += 1
    workbook.save(path)
    return count
