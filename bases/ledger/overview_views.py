"""The ledger seen from above and as files: the province's and cities' coverage page, the
monthly charts (province, city, one base), and the activities workbook (import into a base,
export per base and year, export of the whole province).

Scope is bases.access's: a city viewer sees its own city's bases, the province all, an
officer only its own base's chart and export; anyone else gets the audited 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from bases.access import bases_for, cities_for, get_base, require_role
from bases.hooks import start_province_export
from bases.ledger import selectors, workbook
from bases.ledger.forms import WorkbookUploadForm, YearForm
from bases.ledger.models import ServiceActivity
from bases.ledger.views import writable_base
from bases.models import CITY_ROLES, Role
from portal.sheets import xlsx_response


def _year_form(request: HttpRequest) -> YearForm:
    cities = list(cities_for(request.user)) if request.user.role == Role.PROVINCE else None
    form = YearForm(request.GET or None, cities=cities)
    form.is_valid()
    return form


def coverage(request: HttpRequest) -> HttpResponse:
    """Ledger coverage per base, by city; the 90-day reminders; the interconnection figure."""
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = _year_form(request)
    year = form.chosen_year()
    bases = bases_for(request.user)
    city_id = form.value("city")
    if city_id is not None:
        bases = bases.filter(city_id=city_id)
    cities = selectors.ledger_coverage(bases, year=year)
    total = sum(city.total for city in cities)
    pushed = sum(city.pushed for city in cities)
    return render(request, "bases/ledger/coverage.html", {
        "form": form, "year": year, "cities": cities, "total": total, "pushed": pushed,
        "stale_total": sum(len(city.stale) for city in cities),
        "show_bases": request.user.role in CITY_ROLES or city_id is not None,
        "stale_days": selectors.STALE_DAYS})


def _chart_context(request: HttpRequest, activities, year: int) -> dict[str, object]:
    """The chart of `year`, and when it is empty, the latest year that has activities (with
    the same query string but that year), so an empty chart never leaves the reader guessing."""
    chart = selectors.monthly_chart(activities, year)
    context: dict[str, object] = {"chart": chart}
    if not chart.total:
        latest = selectors.latest_year(activities)
        if latest is not None and latest != year:
            query = request.GET.copy()
            query["year"] = str(latest)
            context["latest_year"], context["latest_query"] = latest, query.urlencode()
    return context


def chart(request: HttpRequest) -> HttpResponse:
    """Activities per month by category: the province (or one city) for the province, the
    city for a city viewer."""
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = _year_form(request)
    year = form.chosen_year()
    activities = ServiceActivity.objects.filter(base__in=bases_for(request.user).values("pk"))
    city_id = form.value("city")
    scope_name = ("全省" if request.user.role == Role.PROVINCE
                  else request.user.city.name if request.user.city_id else "本市州")
    if city_id is not None:
        activities = activities.filter(base__city_id=city_id)
        scope_name = next((name for pk, name in form.fields["city"].choices if pk == city_id),
                          scope_name)
    return render(request, "bases/ledger/chart.html", {
        "form": form, "scope_name": scope_name, **_chart_context(request, activities, year)})


def base_chart(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    form = _year_form(request)
    activities = ServiceActivity.objects.filter(base=base)
    return render(request, "bases/ledger/chart.html", {
        "form": form, "base": base, "scope_name": base.name,
        **_chart_context(request, activities, form.chosen_year())})


def export_base(request: HttpRequest, code: str) -> HttpResponse:
    """The base's activities of a year as a workbook (whoever sees the base)."""
    base = get_base(request, code)
    year = _year_form(request).chosen_year()
    activities = ServiceActivity.objects.filter(base=base, date__year=year)
    return xlsx_response(lambda target: workbook.write_activities(target, activities=activities),
                         workbook.export_name("服务台帐", base.code, year))


def export_province(request: HttpRequest) -> HttpResponse:
    """Every base's activities of a year (the province only): minutes at full scale, so a
    background job; the answer is the job's page (see bases.hooks)."""
    require_role(request, Role.PROVINCE)
    return start_province_export(request, "ledger", _year_form(request).chosen_year())


def import_activities(request: HttpRequest, code: str) -> HttpResponse:
    """The base's officer uploads an activities workbook: everything is imported, or
    nothing, with every problem listed by sheet, row and column."""
    base = writable_base(request, code)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    errors = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = workbook.import_activities(base=base, actor=request.user,
                                                file=form.cleaned_data["file"],
                                                request=request)
            if result.ok:
                messages.success(request, f"导入完成：新增{result.created}条，"
                                          f"修改{result.updated}条，未变{result.unchanged}条。")
                return redirect(reverse("bases:ledger:activities", args=[base.code]))
            errors = result.errors
        status = 400
    return render(request, "bases/ledger/import.html", {
        "base": base, "form": form, "errors": errors, "current": "import",
        "heading": "导入服务活动", "columns": [text for _key, text in workbook.COLUMNS],
        "back": reverse("bases:ledger:activities", args=[base.code])}, status=status)
