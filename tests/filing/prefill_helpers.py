"""Shared by the pre-fill tests: ledger and roster rows written straight to the tables (the
pre-fill reads what is kept, whichever path wrote it), with dates anywhere in the past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bases.ledger.models import Institution, ServiceActivity
from bases.models import Base, User
from bases.roster.models import Enterprise, EnterpriseYear
from tests.roster.helpers import credit_code

FIGURES = {"employees": 25, "ent_total_assets": Decimal("1200.50"),
           "ent_revenue": Decimal("800.00"), "ent_profit": Decimal("-12.34"),
           "ent_tax": Decimal("30.01"), "trademarks": 2, "software_copyrights": 3,
           "invention_patents": 1, "utility_model_patents": 4, "design_patents": 0}


def activity(base: Base, day: dt.date, category: str, served: int, *,
             by: User | None = None) -> ServiceActivity:
    return ServiceActivity.objects.create(base=base, date=day, category=category,
                                          title=f"{category} {day}", enterprises_served=served,
                                          created_by=by, updated_by=by)


def institution(base: Base, since: dt.date, until: dt.date | None = None) -> Institution:
    return Institution.objects.create(base=base, name=f"机构 {since}", categories=["info"],
                                      since=since, until=until)


_serial = iter(range(100, 10_000))


def enterprise(base: Base, *, moved_in: dt.date = dt.date(2016, 3, 1),
               moved_out: dt.date | None = None, small_micro: bool = True,
               high_tech: bool = False, valid_until: dt.date | None = None,
               years: dict[int, dict] | None = None) -> Enterprise:
    n = next(_serial)
    row = Enterprise.objects.create(
        base=base, name=f"企业{n}", credit_code=credit_code(n), moved_in=moved_in,
        moved_out=moved_out, small_micro=small_micro, high_tech=high_tech,
        high_tech_cert="GR201843000001" if high_tech else "",
        high_tech_valid_until=valid_until)
    for year, overrides in (years or {}).items():
        EnterpriseYear.objects.create(enterprise=row, year=year, **{**FIGURES, **overrides})
    return row
