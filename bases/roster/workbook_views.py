"""The roster workbook as pages: the officer's import, the export of a base (whoever sees
it; contacts only for the base itself and the province) and of the whole province."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from bases.access import get_base, outside_scope, require_role
from bases.hooks import start_province_export
from bases.ledger.forms import WorkbookUploadForm, YearForm, year_choices
from bases.ledger.workbook import export_name
from bases.models import Role
from bases.roster import workbook
from bases.roster.models import Enterprise
from portal.sheets import xlsx_response


class RosterUploadForm(WorkbookUploadForm):
    year = forms.TypedChoiceField(label="年度数据所属年度", coerce=int,
                                  help_text="表中各企业的就业人数、总资产等数据所属的年度")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year - 1


def _year(request: HttpRequest) -> int:
    form = YearForm(request.GET or None)
    form.is_valid()
    return form.chosen_year()


def export_base(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    year = _year(request)
    return xlsx_response(lambda target: workbook.write_roster(
        target, enterprises=Enterprise.objects.filter(base=base), year=year,
        with_contact=workbook.sees_contacts(request.user)),
        export_name("入驻企业名册", base.code, year))


def export_province(request: HttpRequest) -> HttpResponse:
    """The whole province's roster of a year: a background job, as the ledger's."""
    require_role(request, Role.PROVINCE)
    return start_province_export(request, "roster", _year(request))


def import_roster(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    if not (request.user.role == Role.OFFICER and request.user.base_id == base.pk):
        raise outside_scope(request, f"roster-import:{code}")
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    errors = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            year = form.cleaned_data["year"]
            result = workbook.import_roster(base=base, actor=request.user, year=year,
                                            file=form.cleaned_data["file"], request=request)
            if result.ok:
                messages.success(request, f"导入完成：新增{result.created}家，"
                                          f"修改{result.updated}家，"
                                          f"{year}年度数据{result.figures}家，"
                                          f"未变{result.unchanged}家。")
                for warning in result.warnings:
                    messages.warning(request, f"提示：{warning}。")
                return redirect(reverse("bases:roster", args=[base.code]))
            errors = result.errors
        status = 400
    columns = [text for _key, text in workbook.ENTERPRISE_COLUMNS + (workbook.CONTACT_COLUMN,)
               + workbook.FIGURE_COLUMNS]
    return render(request, "bases/ledger/import.html", {
        "base": base, "form": form, "errors": errors, "heading": "导入入驻企业名册",
        "columns": columns, "roster": True,
        "back": reverse("bases:roster", args=[base.code])}, status=status)
