"""The statistics pages over HTTP: who sees what, form errors, audited downloads, the command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from bases.models import AuditEvent, City, Role, User
from reporting.models import Status
from tests.base import sign_in
from tests.statistics.helpers import file_report, make_base, row_of

pytestmark = pytest.mark.django_db


def make_user(username: str, role: str, **scope) -> User:
    return User.objects.create(username=username, role=role, **scope)


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------

PAGES = ["statistics:index", "statistics:rankings", "statistics:cities"]


@pytest.fixture
def province_admin() -> User:
    return make_user("pat", Role.PROVINCE)


@pytest.fixture
def city_viewer(changsha) -> User:
    return make_user("carol", Role.CITY, city=changsha)


@pytest.fixture
def filed(changsha, zhuzhou):
    file_report(make_base(changsha, name="长沙基地"), 2017, service_staff=3)
    file_report(make_base(zhuzhou, name="株洲基地"), 2017, Status.SUBMITTED, service_staff=4)


@pytest.mark.parametrize("page", PAGES)
def test_pages_answer_the_province_admin(client, province_admin, filed, page):
    sign_in(client, province_admin)

    response = client.get(reverse(page), {"year": 2017})

    assert response.status_code == 200
    assert '<div class="table-wrap">' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_pages_answer_a_city_viewer(client, city_viewer, filed, page):
    sign_in(client, city_viewer)

    assert client.get(reverse(page), {"year": 2017}).status_code == 200


def test_city_viewer_sees_only_their_own_city_in_the_breakdown(client, city_viewer, filed):
    sign_in(client, city_viewer)

    breakdown = client.get(reverse("statistics:cities"), {"year": 2017}).context["breakdown"]

    assert [row.label for row in breakdown.rows] == ["长沙市"]
    assert breakdown.total.cells[0].display == "1"  # the province's approved bases


def test_province_admin_sees_every_city_in_the_breakdown(client, province_admin, filed):
    sign_in(client, province_admin)

    breakdown = client.get(reverse("statistics:cities"), {"year": 2017}).context["breakdown"]

    assert len(breakdown.rows) == City.objects.count()


@pytest.mark.parametrize("page", [*PAGES, "statistics:annex_workbook"])
def test_officers_get_404_and_anonymous_users_are_sent_to_login(client, changsha, page):
    sign_in(client, make_user("olga", Role.OFFICER, base=make_base(changsha)))
    assert client.get(reverse(page)).status_code == 404

    client.logout()
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_preview_is_labelled_everywhere_on_the_page(client, province_admin, filed):
    sign_in(client, province_admin)

    final = client.get(reverse("statistics:index"), {"year": 2017})
    preview = client.get(reverse("statistics:index"), {"year": 2017, "preview": "on"})

    assert 'class="preview-badge"' not in final.content.decode()
    assert preview.context["annexes"].n == 2
    assert preview.content.decode().count('class="preview-badge"') >= 7
    assert "preview=on" in preview.content.decode()


def test_city_viewers_cannot_preview_unapproved_data(client, city_viewer, filed):
    sign_in(client, city_viewer)

    response = client.get(reverse("statistics:index"), {"year": 2017, "preview": "on"})

    assert response.context["annexes"].n == 1
    assert not response.context["annexes"].preview


@pytest.mark.parametrize("params", [
    {"year": "abc"}, {"year": "1800"}, {"year": "2017", "compare_year": "2017"},
    {"year": "2017", "cohort_batch": "x"}, {"year": "2017", "compare_year": "二〇一六"},
])
def test_invalid_selection_shows_a_form_error_not_a_server_error(client, province_admin,
                                                                  params):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:index"), params)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="error"' in response.content.decode()


@pytest.mark.parametrize("top", ["0", "101", "ten"])
def test_rankings_top_n_outside_1_to_100_is_a_form_error(client, province_admin, top):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:rankings"), {"year": 2017, "top": top})

    assert response.status_code == 200
    assert "top" in response.context["form"].errors


def test_rankings_page_shows_the_chosen_top_n_with_chinese_titles(client, province_admin,
                                                                  changsha):
    for index in range(3):
        file_report(make_base(changsha, code=f"N{index}"), 2017, building_area=index + 1)
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:rankings"), {"year": 2017, "top": 2})

    tables = dict((definition.code, places) for definition, places in response.context["tables"])
    assert [row.base_code for row in tables["building_area"]] == ["N2", "N1"]
    assert "建筑面积（比上年新增）" in response.content.decode()


def test_workbook_download_is_an_audited_attachment(client, province_admin, filed):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:annex_workbook"),
                          {"year": 2017, "cohort_batch": 1})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="annexes-2017.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[-1] == "排名"
    event = AuditEvent.objects.get(event="export_annexes")
    assert event.actor == province_admin
    assert "annexes-2017.xlsx" in event.object_repr


def test_workbook_download_with_bad_parameters_answers_400_with_the_form(client,
                                                                        province_admin):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:annex_workbook"), {"year": "soon"})

    assert response.status_code == 400
    assert "year" in response.context["form"].errors
    assert not AuditEvent.objects.filter(event="export_annexes").exists()


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def test_export_annexes_command_writes_a_readable_workbook(changsha, tmp_path):
    base = make_base(changsha)
    file_report(base, 2016, service_staff=2)
    file_report(base, 2017, service_staff=3)
    path = tmp_path / "out.xlsx"

    call_command("export_annexes", "--year", "2017", "--cohort-batch", "1", "-o", str(path),
                 stdout=io.StringIO())

    book = load_workbook(path)
    assert book.sheetnames[-1] == "排名"
    assert row_of(book["附件2"], "服务人员数量（人）")[1].value == 2
    assert book["附件2"]["B3"].value == "2016年"  # --compare-year defaults to the year before
