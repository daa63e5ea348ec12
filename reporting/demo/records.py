"""The demo's records for ``seed_demo``, so that the pre-fill of the annual report can be tried:

* a plausible 2018 service ledger (activities of the 8 categories spread over the months,
  a few third-party institutions, one of which stopped cooperating during the year) for a
  base, sized after its 2017 report;
* for the flagship base a resident-enterprise roster whose 2017 figures add up exactly to
  its approved 2017 report (resident, small-micro, reporting and high-tech counts and every
  yearly sum), with valid generated credit codes, and 2018 figures a little above them.

Deterministic (``random.Random`` with a fixed seed) and integer arithmetic for the sums, so
the totals are exact by construction. The writes go through the ledger's and the roster's
services (seed_demo), with the same checks and history as a person's entries.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bases.credit_code import ALPHABET, check_character
from bases.ledger import services as ledger_services
from bases.ledger.services import ActivityInput, InstitutionInput
from bases.models import Base, User
from bases.roster import services as roster_services
from bases.roster.figures import FIGURES
from bases.roster.services import EnterpriseFields
from reporting.indicators import SERVICE_CATEGORIES, Value

LEDGER_YEAR = 2018
ROSTER_YEAR = 2017

_TITLES: dict[str, tuple[str, ...]] = {
    "info": ("惠企政策宣讲会", "项目申报信息推送", "产业政策解读", "市场动态信息发布"),
    "coaching": ("创业导师一对一辅导", "创业项目诊断", "初创企业辅导沙龙"),
    "innovation": ("技术需求对接会", "产学研合作洽谈", "新产品研发评审"),
    "training": ("中小企业经营管理培训班", "财税实务培训", "电商运营培训", "安全生产培训"),
    "marketing": ("产品展销对接会", "品牌推广活动", "线上市场拓展对接"),
    "financing": ("银企对接会", "创业投资路演", "融资担保政策说明会"),
    "consulting": ("企业管理咨询", "人力资源管理咨询", "股权结构咨询"),
    "professional": ("知识产权代理服务", "法律咨询服务", "检验检测服务", "工商财税代办"),
}


@dataclass(frozen=True)
class DemoLedger:
    institutions: list[InstitutionInput]
    #: Each activity with the index of its provider in `institutions` (None: the base itself).
    activities: list[tuple[ActivityInput, int | None]]


@dataclass(frozen=True)
class DemoEnterprise:
    fields: EnterpriseFields
    years: dict[int, dict[str, int | Decimal]] = field(default_factory=dict)


def credit_codes(rng: random.Random, prefix: str, n: int) -> list[str]:
    """`n` distinct valid unified social credit codes (GB 32100-2015): `prefix` (registration
    authority, type and area, 8 characters), an organisation code, the check character."""
    codes: list[str] = []
    while len(codes) < n:
        first17 = prefix + "MA4" + "".join(rng.choice(ALPHABET) for _ in range(6))
        code = first17 + check_character(first17)
        if code not in codes:
            codes.append(code)
    return codes


def _share(total: int, weights: list[float]) -> list[int]:
    """`total` (a whole number ≥ 0) shared out in proportion to `weights`, exactly: floors,
    then the remainder one by one to the largest fractions."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    by_fraction = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_fraction[:total - sum(parts)]:
        parts[i] += 1
    return parts


# --- the ledger ----------------------------------------------------------------------------

def demo_ledger(reference: dict[str, Value], *, seed: int, area: str = "91430100",
                today: dt.date | None = None) -> DemoLedger:
    """A 2018 ledger sized after the base's 2017 report (`reference`): per category about
    as many activities and enterprises served, dated across the year's months."""
    rng = random.Random(seed)
    codes = credit_codes(rng, area, 2)
    institutions = [
        InstitutionInput(name="湖南省中小企业公共服务平台服务站", categories=("info", "training"),
                         since=dt.date(2017, 3, 15), credit_code=codes[0]),
        InstitutionInput(name="星城创业辅导中心", categories=("coaching", "innovation"),
                         since=dt.date(2017, 6, 1)),
        InstitutionInput(name="湘江融资担保有限公司", categories=("financing",),
                         since=dt.date(2018, 5, 1), credit_code=codes[1]),
        # Stopped during the year: not counted on 31 December.
        InstitutionInput(name="麓山企业管理咨询有限公司",
                         categories=("consulting", "professional", "marketing"),
                         since=dt.date(2017, 9, 1), until=dt.date(2018, 6, 30)),
    ]
    last_day = min(dt.date(LEDGER_YEAR, 12, 31), today or dt.date.today())
    activities: list[tuple[ActivityInput, int | None]] = []
    for category in SERVICE_CATEGORIES:
        sessions = int(reference.get(category.sessions_code) or 0)
        served = int(reference.get(category.enterprises_code) or 0)
        if sessions == 0:
            continue
        growth = 0.95 + rng.random() * 0.2
        sessions = max(1, round(sessions * growth))
        # Never more than 100 enterprises a session (a soft check of the report).
        served = min(round(served * growth), 100 * sessions)
        shares = _share(served, [0.5 + rng.random() for _ in range(sessions)])
        titles = _TITLES[category.key]
        span = (last_day - dt.date(LEDGER_YEAR, 1, 8)).days
        for n, enterprises in enumerate(shares):
            day = dt.date(LEDGER_YEAR, 1, 8) + dt.timedelta(
                days=min(span, int(span * (n + rng.random()) / sessions)))
            provider = _provider(institutions, category.key, day, rng)
            title = f"{titles[n % len(titles)]}（第{n // len(titles) + 1}期）"
            activities.append((ActivityInput(date=day, category=category.key, title=title,
                                             enterprises_served=enterprises), provider))
    activities.sort(key=lambda item: item[0].date)
    return DemoLedger(institutions, activities)


def _provider(institutions: list[InstitutionInput], category: str, day: dt.date,
              rng: random.Random) -> int | None:
    """An institution serving the category and cooperating on the day, for about a third of
    the activities it could have provided; otherwise the base itself."""
    able = [i for i, inst in enumerate(institutions) if category in inst.categories
            and inst.since <= day and (inst.until is None or day < inst.until)]
    return rng.choice(able) if able and rng.random() < 0.35 else None


# --- the roster ----------------------------------------------------------------------------

_NAMES = ("麓谷", "湘江", "星沙", "岳麓", "橘洲", "梅溪", "洋湖", "含浦", "天心", "芙蓉",
          "望城", "雨花", "开福", "坪塘", "莲城", "潇湘", "楚天", "湘融", "云麓", "谷山")
_TRADES = (("C", "智能制造"), ("I", "软件"), ("I", "信息技术"), ("M", "生物科技"),
           ("C", "新材料"), ("L", "企业管理"), ("F", "商贸"), ("M", "检测技术"),
           ("I", "数据科技"), ("C", "精密机械"))


def demo_roster(report: dict[str, Value], *, seed: int,
                area: str = "91430104") -> list[DemoEnterprise]:
    """A roster whose ROSTER_YEAR figures reproduce `report` (that year's approved report)
    exactly, and whose next year's figures grow a little (two newcomers, one departure)."""
    rng = random.Random(seed)
    resident = int(report["resident_enterprises"])
    small = int(report["small_micro_enterprises"])
    reporting = int(report["reporting_enterprises"])
    high_tech = int(report["high_tech_enterprises"])
    next_year = ROSTER_YEAR + 1
    # Largest first: the reporting enterprises are the first `reporting` residents.
    sizes = sorted((rng.lognormvariate(0, 0.8) for _ in range(reporting)), reverse=True)
    figures = _figures(report, sizes, rng)
    newcomers, leavers = 2, 2
    codes = credit_codes(rng, area, resident + newcomers + leavers)
    names = _company_names(rng, len(codes))
    enterprises: list[DemoEnterprise] = []
    for i in range(resident + newcomers + leavers):
        industry, _ = _TRADES[i % len(_TRADES)]
        moved_out = None
        if i < resident:
            moved_in = dt.date(2015 + i % 3, 1 + (i * 5) % 12, 1 + (i * 7) % 28)
            if i == resident - 1:
                moved_out = dt.date(next_year, 6, 30)  # leaves during the next year
        elif i < resident + newcomers:
            moved_in = dt.date(next_year, 3 + i % 6, 10)
        else:
            moved_in = dt.date(2015, 5, 20)
            moved_out = dt.date(ROSTER_YEAR, 4 + i % 6, 15)  # left before the year's end
        # The `resident - small` largest residents are not small or micro.
        not_small = i < resident - small
        # The `high_tech` largest reporting enterprises hold a valid certificate; the next
        # one's expired during the year (so it is not counted).
        certified = i < high_tech or (i == high_tech and high_tech < reporting)
        valid_until = (dt.date(2019 + i % 2, 11, 30) if i < high_tech
                       else dt.date(ROSTER_YEAR, 10, 31))
        fields = EnterpriseFields(
            name=names[i], credit_code=codes[i], moved_in=moved_in, moved_out=moved_out,
            small_micro=not not_small, high_tech=certified,
            high_tech_cert=f"GR{2016 + i % 2}43000{i + 101:04d}" if certified else "",
            high_tech_valid_until=valid_until if certified else None, industry=industry)
        years: dict[int, dict[str, int | Decimal]] = {}
        if i < reporting:
            years[ROSTER_YEAR] = figures[i]
            years[next_year] = _grown(figures[i], rng)
        elif resident <= i < resident + newcomers:
            years[next_year] = _grown(figures[reporting - 1], rng)
        enterprises.append(DemoEnterprise(fields, years))
    return enterprises


def _company_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        place = rng.choice(_NAMES)
        _, trade = _TRADES[len(names) % len(_TRADES)]
        name = f"长沙{place}{trade}有限公司"
        if name in names:
            name = f"湖南{place}{trade}股份有限公司"
        if name not in names:
            names.append(name)
    return names


def _units(value: Value, decimals: int) -> int:
    return int(Decimal(value).scaleb(decimals))


def _figures(report: dict[str, Value], sizes: list[float],
             rng: random.Random) -> list[dict[str, int | Decimal]]:
    """Each enterprise's figures; every column adds up to the report's figure exactly."""
    per_enterprise: list[dict[str, int | Decimal]] = [{} for _ in sizes]
    for figure in FIGURES:
        total = _units(report[figure.code], figure.decimals)
        weights = [size * (0.7 + 0.6 * rng.random()) for size in sizes]
        if figure.minimum is None and len(sizes) > 4 and total > 0:
            # Profit: the three smallest enterprises make a loss; the others earn the rest.
            losses = [rng.randint(5, 60) * 10 ** figure.decimals for _ in range(3)]
            parts = _share(total + sum(losses), weights[:-3]) + [-loss for loss in losses]
        else:
            parts = _share(total, weights)
        for row, units in zip(per_enterprise, parts, strict=True):
            row[figure.code] = (units if figure.kind == "int"
                                else Decimal(units).scaleb(-figure.decimals))
    return per_enterprise


def _grown(figures: dict[str, int | Decimal], rng: random.Random) -> dict[str, int | Decimal]:
    """The next year's figures: each a little above this year's."""
    grown: dict[str, int | Decimal] = {}
    for code, value in figures.items():
        factor = Decimal(100 + rng.randint(0, 15)) / 100
        grown[code] = (int(value * factor) if isinstance(value, int)
                       else (value * factor).quantize(Decimal("0.01")))
    return grown


# --- writing them, through the records' services --------------------------------------------

def keep_ledger(*, base: Base, officer: User, reference: dict[str, Value], seed: int) -> int:
    """Enter the base's demo 2018 ledger as its officer would; the number of activities."""
    ledger = demo_ledger(reference, seed=seed)
    kept = [ledger_services.create_institution(base=base, actor=officer, data=data)
            for data in ledger.institutions]
    for data, provider in ledger.activities:
        if provider is not None:
            data = replace(data, provider_id=kept[provider].pk)
        ledger_services.create_activity(base=base, actor=officer, data=data)
    return len(ledger.activities)


def keep_roster(*, base: Base, officer: User, report: dict[str, Value], seed: int) -> int:
    """Enter the flagship's demo roster (before its ROSTER_YEAR report is approved, which
    locks the year's figures); the number of enterprises."""
    roster = demo_roster(report, seed=seed)
    for entry in roster:
        enterprise, _ = roster_services.create_enterprise(base=base, fields=entry.fields,
                                                          actor=officer)
        for year, values in sorted(entry.years.items()):
            roster_services.set_year_figures(enterprise=enterprise, year=year, values=values,
                                      actor=officer)
    return len(roster)
