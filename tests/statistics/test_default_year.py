"""Issue 16.1: the statistics' default year is a finished one, and a year that is not
finished says so on every page, in the annex workbook and in the bulletin draft."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bases.models import Base, Role, User
from reporting.bulletin.draft import draft_bulletin
from reporting.filing.selectors import data_note, default_year, year_coverage
from reporting.models import Round, Status
from reporting.statistics.annexes import compute_annexes
from reporting.statistics.views import chart_set
from tests.base import sign_in
from tests.statistics.helpers import file_report, make_base

pytestmark = pytest.mark.django_db


def make_round(year: int, *, closed: bool) -> Round:
    return Round.objects.create(year=year, opens_on=dt.date(year + 1, 1, 1),
                                deadline=dt.date(year + 1, 1, 31),
                                closed_at=timezone.now() if closed else None)


@pytest.fixture
def province(changsha, zhuzhou):
    """Three bases filed 2017 (round closed); 2018's round is open with one approval."""
    bases = [make_base(changsha), make_base(changsha), make_base(zhuzhou)]
    for base in bases:
        file_report(base, 2017, service_staff=3)
    file_report(bases[0], 2018, service_staff=30)
    file_report(bases[1], 2018, Status.SUBMITTED, service_staff=30)
    make_round(2017, closed=True)
    make_round(2018, closed=False)
    return bases


@pytest.fixture
def pat() -> User:
    return User.objects.create(username="pat", role=Role.PROVINCE)


def test_one_approval_in_the_open_round_does_not_move_the_default_year(province):
    assert default_year() == 2017


def test_without_a_closed_round_the_default_is_the_latest_complete_year(province):
    Round.objects.all().delete()

    assert default_year() == 2017  # 2018 has 1 of 3 approved


def test_designation_year_decides_which_bases_a_year_expects(province, changsha):
    Base.objects.create(code="NEW1", name="新基地", city=changsha, year_designated=2018)

    coverage = year_coverage([2017, 2018])

    assert (coverage[2017].approved, coverage[2017].expected) == (3, 3)
    assert coverage[2017].complete and coverage[2017].note is None
    assert (coverage[2018].approved, coverage[2018].expected) == (1, 4)
    assert data_note(2018).startswith("数据未完整：已审核 1/4 家")


def test_statistics_pages_show_the_banner_for_an_unfinished_year(client, pat, province):
    sign_in(client, pat)
    for page in ("statistics:index", "statistics:rankings", "statistics:cities"):
        unfinished = client.get(reverse(page), {"year": 2018}).content.decode()
        default = client.get(reverse(page)).content.decode()

        assert "2018年数据未完整：已审核 1/3 家" in unfinished, page
        assert "数据未完整" not in default, page
        assert 'value="2017"' in default, page


def test_annex_workbook_and_bulletin_carry_the_data_note(client, pat, province):
    sign_in(client, pat)

    book = load_workbook(io.BytesIO(client.get(reverse("statistics:annex_workbook"),
                                               {"year": 2018}).content))
    bulletin = draft_bulletin(year=2018, compare_year=2017, cohort_batch=None)

    assert "数据未完整：已审核 1/3 家" in book["附件1"]["A2"].value  # the title row
    assert bulletin.notes[0].text.startswith("数据未完整：已审核 1/3 家")
    assert "数据未完整" not in draft_bulletin(year=2017, compare_year=2016,
                                          cohort_batch=None).text()


def test_trend_chart_leaves_out_unfinished_years_unless_asked(pat, province):
    annexes = compute_annexes(year=2018, compare_year=2017, cohort_batch=None)

    default = next(c for c in chart_set(annexes, user=pat) if c.key == "trends")
    asked = next(c for c in chart_set(annexes, user=pat, include_incomplete=True)
                 if c.key == "trends")

    assert default.labels == ("2017年",) and "未含数据未完整的2018年" in default.source
    assert asked.labels == ("2017年", "2018年")


def test_rankings_show_figures_as_the_report_form_does(client, pat, changsha):
    # Issue 16.9: "960000.00" in the rankings against "760,000.00" on the form.
    file_report(make_base(changsha), 2017, building_area="960000.00", service_staff=1234)
    sign_in(client, pat)

    page = client.get(reverse("statistics:rankings"), {"year": 2017}).content.decode()

    assert '<td class="num">960,000.00</td>' in page
    assert '<td class="num">1,234</td>' in page


def test_annex_pages_show_figures_with_thousands_separators(client, pat, changsha):
    # Issue 16.9: the pages write figures as the report form does; the workbook keeps numbers.
    file_report(make_base(changsha), 2017, building_area="12345678.90", employees=123456)
    sign_in(client, pat)

    index = client.get(reverse("statistics:index"), {"year": 2017}).content.decode()
    cities = client.get(reverse("statistics:cities"), {"year": 2017}).content.decode()

    assert '<td class="num">1,234.6</td>' in index  # 建筑面积（万平方米）
    assert '<td class="num">123,456</td>' in index  # 就业人数
    assert '<td class="num">123,456</td>' in cities
