"""The ledger's forms: they parse what a person typed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from bases.ledger.categories import CATEGORIES
from bases.ledger.models import Institution, ServiceActivity
from bases.ledger.services import ActivityInput, InstitutionInput
from bases.models import Base

SELF = "self"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProviderField(forms.ChoiceField):
    """The base itself or an institution id. Any id passes the form, so that another base's
    institution reaches the service, which refuses it with a message naming the field."""

    def valid_value(self, value: str) -> bool:
        return value == SELF or value.isdigit()


class ActivityForm(forms.Form):
    date = forms.DateField(label="活动日期", widget=DATE_WIDGET)
    category = forms.ChoiceField(label="服务类别", choices=[("", "请选择"), *CATEGORIES])
    title = forms.CharField(label="活动名称", max_length=200)
    provider = ProviderField(label="服务提供方", initial=SELF)
    enterprises_served = forms.IntegerField(
        label="服务企业家次", initial=0, help_text="整数，0 至 100000",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(label="备注", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    external_id = forms.CharField(label="外部编号", required=False, max_length=100,
                                  help_text="可选：本基地服务平台上的记录编号")

    def __init__(self, *args, base: Base, instance: ServiceActivity | None = None,
                 **kwargs) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {
                "date": instance.date, "category": instance.category, "title": instance.title,
                "provider": instance.provider_id or SELF,
                "enterprises_served": instance.enterprises_served, "note": instance.note,
                "external_id": instance.external_id})
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(SELF, "本基地"), *(
            (institution.pk, institution.name)
            for institution in Institution.objects.filter(base=base))]

    def to_input(self) -> ActivityInput:
        data = self.cleaned_data
        return ActivityInput(
            date=data["date"], category=data["category"], title=data["title"],
            provider_id=None if data["provider"] == SELF else int(data["provider"]),
            enterprises_served=data["enterprises_served"], note=data["note"],
            external_id=data["external_id"])


class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=150)
    credit_code = forms.CharField(label="统一社会信用代码", required=False, max_length=40,
                                  help_text="可选；填写时校验")
    categories = forms.MultipleChoiceField(label="服务类别", choices=CATEGORIES,
                                           widget=forms.CheckboxSelectMultiple)
    since = forms.DateField(label="合作起始日期", widget=DATE_WIDGET)
    until = forms.DateField(label="合作终止日期", required=False, widget=DATE_WIDGET,
                            help_text="仍在合作的留空")
    external_id = forms.CharField(label="外部编号", required=False, max_length=100)

    def __init__(self, *args, instance: Institution | None = None, **kwargs) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {
                "name": instance.name, "credit_code": instance.credit_code,
                "categories": instance.categories, "since": instance.since,
                "until": instance.until, "external_id": instance.external_id})
        super().__init__(*args, **kwargs)

    def to_input(self) -> InstitutionInput:
        data = self.cleaned_data
        return InstitutionInput(
            name=data["name"], credit_code=data["credit_code"],
            categories=tuple(data["categories"]), since=data["since"], until=data["until"],
            external_id=data["external_id"])


class AttachmentForm(forms.Form):
    # `accept` only helps the phone's file picker; the service checks the content.
    file = forms.FileField(
        label="证明材料", help_text="签到表、照片、纪要等：PDF、JPEG 或 PNG，每个不超过 5 MB",
        widget=forms.ClearableFileInput(attrs={
            "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label="服务类别", required=False,
                                 choices=[("", "全部类别"), *CATEGORIES])

    def __init__(self, *args, base: Base, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        first = min(base.year_designated or this_year - 10, this_year)
        self.fields["year"].choices = [(year, f"{year}年") for year
                                       in range(this_year, first - 1, -1)]
        self.fields["year"].initial = this_year

    def values(self) -> tuple[int, str]:
        """The year and category to show; the current year when none (or a bad one) is given."""
        if self.is_valid():
            return (self.cleaned_data["year"] or timezone.localdate().year,
                    self.cleaned_data["category"])
        return timezone.localdate().year, ""


#: Years offered by the province's and cities' pages and the exports.
FIRST_YEAR = 2010


def year_choices() -> list[tuple[int, str]]:
    this_year = timezone.localdate().year
    return [(year, f"{year}年") for year in range(this_year, FIRST_YEAR - 1, -1)]


class YearForm(forms.Form):
    """?year= (and, for the province, ?city=) of the overview, charts and exports; a bad
    value shows the current year rather than an error page."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    city = forms.TypedChoiceField(label="市州", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, cities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        if cities is None:
            del self.fields["city"]
        else:
            self.fields["city"].choices = [("", "全省"), *((c.pk, c.name) for c in cities)]

    def value(self, name: str, default=None):
        if self.is_valid() and self.cleaned_data.get(name) is not None:
            return self.cleaned_data[name]
        return default

    def chosen_year(self) -> int:
        return self.value("year", timezone.localdate().year)


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
