"""Roster test helpers: valid generated credit codes and a base with enterprises."""

from __future__ import annotations

import datetime as dt

from bases.credit_code import check_character
from bases.models import Base
from bases.roster.models import Enterprise
from tests.base import BaseTestCase


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015), different for every n."""
    first17 = f"91430100MA{n:07d}"
    return first17 + check_character(first17)


def figures(**overrides: object) -> dict[str, str]:
    """A complete, valid set of yearly figures as form values."""
    values = {"employees": "25", "ent_total_assets": "1200.50", "ent_revenue": "800.00",
              "ent_profit": "-12.34", "ent_tax": "30.01", "trademarks": "2",
              "software_copyrights": "3", "invention_patents": "1",
              "utility_model_patents": "4", "design_patents": "0"}
    values.update({k: str(v) for k, v in overrides.items()})
    return values


def enterprise_form(**overrides: object) -> dict[str, str]:
    values = {"name": "湘江智造科技有限公司", "credit_code": credit_code(1),
              "moved_in": "2016-03-01", "moved_out": "", "industry": "C",
              "contact": "张三 0731-1234"}
    values.update({k: str(v) for k, v in overrides.items()})
    return {k: v for k, v in values.items() if v is not None}


class RosterTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ent_a = cls.make_enterprise(cls.base_a, 1, "湘江智造科技有限公司")
        cls.ent_b = cls.make_enterprise(cls.base_b, 2, "株洲动力有限公司")

    @staticmethod
    def make_enterprise(base: Base, n: int, name: str = "", *,
                        moved_in: dt.date = dt.date(2016, 3, 1),
                        moved_out: dt.date | None = None) -> Enterprise:
        return Enterprise.objects.create(base=base, name=name or f"企业{n}",
                                         credit_code=credit_code(n), moved_in=moved_in,
                                         moved_out=moved_out)
