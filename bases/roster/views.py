"""The roster pages (入驻企业名册). The base's officer writes; the province and the viewer
of the base's city read; everyone else gets the audited 404 of bases.access."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bases.access import get_base, outside_scope, require_role
from bases.hooks import year_locked
from bases.models import Base, Role
from bases.roster import services
from bases.roster.figures import FIGURES
from bases.roster.forms import (
    DuplicatesFilterForm,
    EnterpriseForm,
    MoveOutForm,
    RosterFilterForm,
    YearFiguresForm,
)
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange


def _sees_contact(request: HttpRequest) -> bool:
    """Contacts are personal data: the base and the province only."""
    return request.user.role in (Role.OFFICER, Role.PROVINCE)


def _enterprise(request: HttpRequest, base: Base, pk: int) -> Enterprise:
    enterprise = Enterprise.objects.filter(base=base, pk=pk).select_related("base").first()
    if enterprise is None:
        raise outside_scope(request, f"enterprise:{pk}")
    return enterprise


def _writable_enterprise(request: HttpRequest, code: str, pk: int) -> Enterprise:
    require_role(request, Role.OFFICER)
    return _enterprise(request, get_base(request, code), pk)


def _show_warnings(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request,
                         f"提示：该企业{warning}（同一统一社会信用代码在其他基地同期在驻）。")


#: What `_apply` answers when the service refused (the form then carries the errors).
REFUSED = object()


def _apply(form: Form, write):
    """Run a service write; its refusal becomes the form's errors on the fields it names."""
    try:
        return write()
    except ValidationError as exc:
        by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        for field, errors in by_field.items():
            form.add_error(field if field in form.fields else None, errors)
        return REFUSED


def roster_list(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    form = RosterFilterForm(request.GET or None)
    enterprises = form.filter(base.enterprises.all())
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    year = form.cleaned_data.get("year") if form.is_valid() else None
    # Without a chosen year, the duplicates flagged are this year's.
    flagged = {e.pk for d in services.duplicates_for_year(year or dt.date.today().year,
                                                          base=base)
               for e in d.entries if e.base_id == base.pk}
    return render(request, "bases/roster/list.html", {
        "base": base, "form": form, "page": page, "year": year, "flagged": flagged,
        "can_write": request.user.role == Role.OFFICER})


def enterprise_new(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.OFFICER)
    base = get_base(request, code)
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = _apply(form, lambda: services.create_enterprise(
            base=base, fields=form.fields_value(), actor=request.user, request=request))
        if result is not REFUSED:
            enterprise, warnings = result
            _show_warnings(request, warnings)
            messages.success(request, f"已登记{enterprise.name}。")
            return redirect("bases:roster_detail", code=base.code, pk=enterprise.pk)
    return render(request, "bases/roster/enterprise_form.html",
                  {"base": base, "form": form, "title": "登记入驻企业"})


def enterprise_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    enterprise = _writable_enterprise(request, code, pk)
    form = EnterpriseForm.for_enterprise(enterprise, request.POST or None)
    if request.method == "POST" and form.is_valid():
        warnings = _apply(form, lambda: services.update_enterprise(
            enterprise=enterprise, fields=form.fields_value(), actor=request.user,
            request=request))
        if warnings is not REFUSED:
            _show_warnings(request, warnings)
            messages.success(request, "企业信息已保存。")
            return redirect("bases:roster_detail", code=code, pk=enterprise.pk)
    return render(request, "bases/roster/enterprise_form.html", {
        "base": enterprise.base, "form": form, "enterprise": enterprise,
        "title": f"修改企业信息：{enterprise.name}"})


def enterprise_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    base = get_base(request, code)
    enterprise = _enterprise(request, base, pk)
    years = [(row, [getattr(row, figure.code) for figure in FIGURES])
             for row in enterprise.years.all()]
    elsewhere = services.resident_elsewhere(
        base=base, credit_code=enterprise.credit_code, moved_in=enterprise.moved_in,
        moved_out=enterprise.moved_out)
    return render(request, "bases/roster/detail.html", {
        "base": base, "enterprise": enterprise, "figures": FIGURES, "years": years,
        "can_write": request.user.role == Role.OFFICER, "sees_contact": _sees_contact(request),
        # Only the province learns which other base it is.
        "elsewhere": list(elsewhere) if request.user.role == Role.PROVINCE
        else elsewhere.exists(),
        "year_choices": _year_choices(enterprise),
    })


def _year_choices(enterprise: Enterprise) -> list[int]:
    """The years the enterprise's figures may be kept for, latest first (up to this year)."""
    last = min(enterprise.last_year or dt.date.today().year, dt.date.today().year)
    return list(range(last, enterprise.moved_in.year - 1, -1))


def year_figures(request: HttpRequest, code: str, pk: int, year: int) -> HttpResponse:
    enterprise = _writable_enterprise(request, code, pk)
    row = EnterpriseYear.objects.filter(enterprise=enterprise, year=year).first()
    initial = {figure.code: getattr(row, figure.code) for figure in FIGURES} if row else None
    form = YearFiguresForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _apply(form, lambda: services.set_year_figures(
            enterprise=enterprise, year=year, values=form.cleaned_data,
            actor=request.user, request=request))
        if saved is not REFUSED:
            messages.success(request, f"{year}年度数据已保存。")
            return redirect("bases:roster_detail", code=code, pk=enterprise.pk)
    return render(request, "bases/roster/year_form.html", {
        "base": enterprise.base, "enterprise": enterprise, "year": year, "form": form,
        "locked": year_locked(enterprise.base, year)})


def enterprise_move_out(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    enterprise = _writable_enterprise(request, code, pk)
    form = MoveOutForm(request.POST or None,
                       initial={"moved_out": enterprise.moved_out or dt.date.today()})
    if request.method == "POST" and form.is_valid():
        moved = _apply(form, lambda: services.move_out(
            enterprise=enterprise, moved_out=form.cleaned_data["moved_out"],
            actor=request.user, request=request))
        if moved is not REFUSED:
            messages.success(request, f"已登记{enterprise.name}迁出。")
            return redirect("bases:roster_detail", code=code, pk=enterprise.pk)
    return render(request, "bases/roster/move_out.html",
                  {"base": enterprise.base, "enterprise": enterprise, "form": form})


def roster_history(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    changes = RosterChange.objects.filter(base=base).select_related("enterprise", "by")
    enterprise = None
    if request.GET.get("enterprise", "").isdigit():
        enterprise = _enterprise(request, base, int(request.GET["enterprise"]))
        changes = changes.filter(enterprise=enterprise)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    hidden = frozenset() if _sees_contact(request) else frozenset({"contact"})
    for change in page:
        change.changes = change.diff(hidden=hidden)
    return render(request, "bases/roster/history.html",
                  {"base": base, "page": page, "enterprise": enterprise})


DUPLICATES_PER_PAGE = 100


def duplicates(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    data = {"year": dt.date.today().year - 1, **request.GET.dict()}
    form = DuplicatesFilterForm(data)
    rows = []
    if form.is_valid():
        for duplicate in services.duplicates_for_year(form.cleaned_data["year"]):
            for entry in duplicate.entries:
                rows.append((entry, [o for o in duplicate.entries if o is not entry]))
        rows.sort(key=lambda r: (r[0].base.city.sort_order, r[0].base.code, r[0].name))
    # The list is one query (the overlap test needs every stay of a code, so it is done in
    # Python); rendering thousands of rows is what took seconds, so only a page is drawn.
    page = Paginator(rows, DUPLICATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "bases/roster/duplicates.html", {
        "form": form, "rows": page.object_list, "page": page, "total": len(rows)})
