from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from bases.roster.figures import FIGURES, INDUSTRIES, Figure
from bases.roster.models import Enterprise
from bases.roster.services import EnterpriseFields, resident_in_year
from portal.numbers import NumberSyntaxError, blank, parse_number_text

YEAR_MIN, YEAR_MAX = 1990, 2100
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RosterFilterForm(forms.Form):
    q = forms.CharField(label="企业名称或统一社会信用代码", required=False, max_length=200)
    year = forms.IntegerField(label="在驻年度", required=False, min_value=YEAR_MIN,
                              max_value=YEAR_MAX)
    state = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "全部"), ("resident", "在驻"), ("moved_out", "已迁出")])

    def filter(self, enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
        if not self.is_valid():
            return enterprises
        data = self.cleaned_data
        if data["q"]:
            enterprises = enterprises.filter(Q(name__icontains=data["q"])
                                             | Q(credit_code__icontains=data["q"].strip()))
        if data["year"]:
            enterprises = enterprises.filter(resident_in_year(data["year"]))
        if data["state"] == "resident":
            enterprises = enterprises.filter(moved_out__isnull=True)
        elif data["state"] == "moved_out":
            enterprises = enterprises.filter(moved_out__isnull=False)
        return enterprises


class EnterpriseForm(forms.Form):
    """Typing only; the rules (credit code, dates, duplicates) are the service's."""

    name = forms.CharField(label="企业名称", max_length=200)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=40,
                                  help_text="18位，如 91350100M000100Y43")
    moved_in = forms.DateField(label="入驻日期", widget=_DATE)
    moved_out = forms.DateField(label="迁出日期（在驻留空）", required=False, widget=_DATE)
    small_micro = forms.BooleanField(label="小微企业", required=False)
    high_tech = forms.BooleanField(label="高新技术企业", required=False)
    high_tech_cert = forms.CharField(label="高新技术企业证书编号", required=False, max_length=50)
    high_tech_valid_until = forms.DateField(label="高新技术企业证书有效期至", required=False,
                                            widget=_DATE)
    industry = forms.ChoiceField(label="所属行业（国民经济行业门类）", required=False,
                                 choices=[("", "未填")] + [
                                     (letter, f"{letter} {name}") for letter, name in INDUSTRIES])
    contact = forms.CharField(label="联系人及电话（仅本基地和省级可见）", required=False,
                              max_length=100)

    def fields_value(self) -> EnterpriseFields:
        return EnterpriseFields(**self.cleaned_data)

    @classmethod
    def for_enterprise(cls, enterprise: Enterprise, data=None) -> EnterpriseForm:
        initial = {name: getattr(enterprise, name)
                   for name in EnterpriseFields.__dataclass_fields__}
        return cls(data, initial=initial)


class MoveOutForm(forms.Form):
    moved_out = forms.DateField(label="迁出日期", widget=_DATE)


#: Whole figures fit the database's integer column; money keeps 13 whole digits, like
#: the report's figures, so SQLite's doubles hold it exactly too.
INT_LIMIT = 2**31
DECIMAL_LIMIT = 10**13


class FigureField(forms.CharField):
    """A yearly figure in the portal's one number syntax (portal.numbers), as the report form
    reads it: 1,234,567 and full-width digits, never an exponent or a misplaced separator."""

    def __init__(self, figure: Figure, **kwargs) -> None:
        self.figure = figure
        super().__init__(label=figure.label_with_unit, strip=False, **kwargs)
        self.widget.attrs["inputmode"] = "decimal" if figure.kind == "decimal" else "numeric"

    def to_python(self, value):
        text = super().to_python(value)
        if blank(text):
            return None
        try:
            number = parse_number_text(text, signed=True)
        except NumberSyntaxError as exc:
            raise forms.ValidationError(str(exc), code="number") from None
        if abs(number) >= (INT_LIMIT if self.figure.kind == "int" else DECIMAL_LIMIT):
            raise forms.ValidationError("数值过大", code="too_large")
        if self.figure.kind == "int":
            if number != number.to_integral_value():
                raise forms.ValidationError("必须是整数", code="whole")
            return int(number)
        return number


class YearFiguresForm(forms.Form):
    """One field per yearly figure; minimums and decimals are checked by the service."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for figure in FIGURES:
            self.fields[figure.code] = FigureField(figure)


class DuplicatesFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=YEAR_MIN, max_value=YEAR_MAX)
