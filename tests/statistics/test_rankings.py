"""Rankings (SPEC section 5) and the constant number of queries behind every statistic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.models import Base, City
from reporting.indicators import ENTERED_CODES, SERVICE_CATEGORIES
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annexes import (
    RANKINGS,
    compute_annexes,
    compute_city_breakdown,
    compute_rankings,
)
from tests.statistics.helpers import file_report, make_base

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------
# Constant number of queries
# ---------------------------------------------------------------------------------------


def make_province(bases: int, cities: list[City], prefix: str) -> None:
    """`bases` more bases over `cities`, each with every figure filed for 2016 and 2017."""
    made = Base.objects.bulk_create(
        Base(code=f"{prefix}{i:04d}", name=f"基地{prefix}{i}", city=cities[i % len(cities)],
             batch=1 + i % 2)
        for i in range(bases))
    reports = Report.objects.bulk_create(
        Report(base=base, year=year, status=Status.APPROVED) for base in made
        for year in (2016, 2017))
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=Decimal(index % 7))
        for index, report in enumerate(reports) for code in ENTERED_CODES)


def queries_for_everything(city: City) -> int:
    with CaptureQueriesContext(connection) as context:
        compute_annexes(year=2017, compare_year=2016, cohort_batch=1)
        compute_annexes(year=2017, compare_year=2016, cohort_batch=None, city_id=city.pk)
        compute_rankings(year=2017, top=10)
        compute_city_breakdown(year=2017)
    return len(context.captured_queries)


def test_query_count_is_the_same_for_3_and_300_bases(changsha, zhuzhou):
    make_province(3, [changsha, zhuzhou], "Q")
    few = queries_for_everything(changsha)
    make_province(297, [changsha, zhuzhou], "R")
    assert Report.objects.filter(year=2017).count() == 300

    many = queries_for_everything(changsha)

    assert many == few
    assert few == 6 + 7 + 1 + 3  # annexes, annexes of a city (its name), rankings, cities


# ---------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------


def test_rankings_order_ties_by_larger_value_then_base_code(changsha):
    for code, area in (("B", "500"), ("A", "500"), ("C", "700"), ("D", None)):
        values = {} if area is None else {"building_area": area}
        file_report(make_base(changsha, code=code), 2017, **values)

    ranked = compute_rankings(year=2017, top=10)["building_area"]

    assert [(r.place, r.base_code, r.value) for r in ranked] == [
        (1, "C", Decimal("700.00")), (2, "A", Decimal("500.00")), (3, "B", Decimal("500.00"))]
    assert [r.base_code for r in compute_rankings(year=2017, top=2)["building_area"]] == [
        "C", "A"]


def test_increase_rankings_need_reports_in_both_years(changsha):
    grew, new, shrank = (make_base(changsha, code=c) for c in ("X", "Y", "Z"))
    file_report(grew, 2016, service_staff=100)
    file_report(grew, 2017, service_staff=150)
    file_report(new, 2017, service_staff=1000)
    file_report(shrank, 2016, service_staff=200)
    file_report(shrank, 2017, service_staff=180)

    ranked = compute_rankings(year=2017, top=10)

    assert [(r.base_code, r.value) for r in ranked["service_staff_increase"]] == [
        ("X", 50), ("Z", -20)]
    assert [r.base_code for r in ranked["service_staff"]] == ["Y", "Z", "X"]


def test_composite_rankings_add_up_their_parts(changsha):
    base = make_base(changsha, code="K")
    file_report(base, 2017, **{c.sessions_code: 2 for c in SERVICE_CATEGORIES},
                **{c.enterprises_code: 3 for c in SERVICE_CATEGORIES},
                trademarks=1, software_copyrights=2, invention_patents=3,
                utility_model_patents=4, design_patents=5)

    ranked = compute_rankings(year=2017, top=10)

    assert list(ranked) == [definition.code for definition in RANKINGS]
    assert ranked["service_sessions"][0].value == 16
    assert ranked["enterprises_served"][0].value == 24
    assert ranked["intellectual_property"][0].value == 15
    assert ranked["building_area"] == []


def test_rankings_refuse_a_top_outside_1_to_100():
    with pytest.raises(ValueError):
        compute_rankings(year=2017, top=0)
