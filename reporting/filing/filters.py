"""The one filter of report lists: the province's review queue and the API's report list
read the same parameters with the same checks and the same messages (django-filter).

Each caller keeps only what is its own: the queue's default year and hiding of drafts,
the API's 400 for a bad value, and each list's order.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from bases.models import BATCH_MAX, City
from reporting.filing import rounds
from reporting.models import Report, Round, Status
from reporting.years import YEAR_MAX, YEAR_MIN, validate_year

TIMING_CHOICES = [("on_time", "按时"), ("late", "逾期")]


class WholeNumberField(forms.IntegerField):
    """Digits only: "2018.0", "1e3" or " 12abc" are refused (Django's IntegerField takes
    "2018.0"), and the length is bounded before int() sees it."""

    default_error_messages = {"invalid": "必须是整数"}
    digits = re.compile(r"-?[0-9]{1,18}")

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not self.digits.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


class CityField(forms.ModelChoiceField):
    """A city by id (the queue's select) or by name (长沙市, as API callers write it)."""

    def to_python(self, value: Any) -> City | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if "\x00" in text or len(text) > 32:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        lookup = {"pk": int(text)} if text.isascii() and text.isdigit() and len(text) <= 9 \
            else {"name": text}
        city = self.queryset.filter(**lookup).first()
        if city is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return city


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = WholeNumberField


@extend_schema_field({"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX})
class YearFilter(WholeNumberFilter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[validate_year], **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class CityFilter(django_filters.ModelChoiceFilter):
    field_class = CityField


class AnyChoiceFilter(django_filters.ChoiceFilter):
    """A choice whose empty value means "all" (the pages' 全部 option sends `status=`); the
    schema says so, so that a client sending it is not told it broke the contract."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        extend_schema_field({"type": "string",
                             "enum": ["", *(value for value, _ in kwargs["choices"])]})(self)


class ReportFilter(django_filters.FilterSet):
    year = YearFilter(
        label="年度", widget=forms.NumberInput(attrs={"placeholder": "年度"}))
    status = AnyChoiceFilter(label="状态", choices=Status.choices,
                                         empty_label="全部状态")
    city = CityFilter(label="市州", field_name="base__city", queryset=City.objects.all(),
                      empty_label="全部市州", help_text="city name (长沙市) or id")
    batch = WholeNumberFilter(
        label="批次", field_name="base__batch", min_value=1, max_value=BATCH_MAX,
        widget=forms.NumberInput(attrs={"placeholder": "批次"}))
    base = django_filters.CharFilter(label="基地编码", field_name="base__code", max_length=20,
                                     help_text="base code")
    timing = AnyChoiceFilter(label="按时", choices=TIMING_CHOICES,
                                         empty_label="全部", method="filter_timing",
                                         help_text="on_time or late; needs year")

    class Meta:
        model = Report
        fields = ["year", "status", "city", "batch", "base", "timing"]

    def __init__(self, data: Any = None, *args: Any, default_year: int | None = None,
                 **kwargs: Any) -> None:
        # The queue always shows one year: its default stands in when none (or a bad one)
        # is asked for, so lateness is still judged against that year's round.
        self.default_year = default_year
        super().__init__(data, *args, **kwargs)

    @property
    def chosen_year(self) -> int | None:
        self.is_valid()
        return self.form.cleaned_data.get("year") or self.default_year

    def filter_queryset(self, queryset: QuerySet[Report]) -> QuerySet[Report]:
        queryset = super().filter_queryset(queryset)
        if self.default_year is not None and not self.form.cleaned_data.get("year"):
            queryset = queryset.filter(year=self.default_year)
        return queryset

    def filter_timing(self, queryset: QuerySet[Report], name: str,
                      value: str) -> QuerySet[Report]:
        year = self.chosen_year
        round_ = Round.objects.filter(year=year).first() if year else None
        if round_ is None:
            return queryset  # no deadline to be late against
        return rounds.filter_by_timing(queryset, round_, late=value == "late")
