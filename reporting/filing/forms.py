from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bases.models import Base
from portal.numbers import MAX_TEXT_LENGTH
from reporting import indicators
from reporting.indicators import InvalidValue, Value
from reporting.models import REVIEW_LEVEL_CHOICES, Round

BOOL_CHOICES = [("", "—"), ("true", "是"), ("false", "否")]
EXPLAIN_PREFIX = "explain__"
COMMENT_PREFIX = "comment__"


def as_form_text(value: Value | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class FigureInput(forms.TextInput):
    """A text input rendered in Python: the same HTML as Django's template, without a
    template render for each of the form's ~50 fields (half the form page's time)."""

    def render(self, name: str, value: object, attrs: dict | None = None,
               renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                           shown, flatatt(widget["attrs"]))


class YesNoSelect(forms.Select):
    """A select rendered in Python, for the same reason as FigureInput."""

    def render(self, name: str, value: object, attrs: dict | None = None,
               renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((option["value"], " selected" if option["selected"] else "", option["label"])
             for _, group, _ in widget["optgroups"] for option in group))
        return format_html('<select name="{}"{}>{}</select>', widget["name"],
                           flatatt(widget["attrs"]), options)


class ReportForm(forms.Form):
    """One field per entered indicator, built from the catalog, and the officer's
    declarations that the year's ledger and roster are complete (SPEC section 4)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    ledger_complete = forms.BooleanField(
        label="本年度台帐完整", required=False,
        widget=forms.CheckboxInput(attrs={"form": "report-form"}))
    roster_complete = forms.BooleanField(
        label="本年度名册完整", required=False,
        widget=forms.CheckboxInput(attrs={"form": "report-form"}))

    def __init__(self, *args, values: dict[str, Value] | None = None, **kwargs) -> None:
        if values is not None:
            kwargs["initial"] = {**kwargs.get("initial", {}),
                                 **{code: as_form_text(v) for code, v in values.items()}}
        super().__init__(*args, **kwargs)
        for indicator in indicators.ENTERED:
            if indicator.is_bool:
                field: forms.Field = forms.ChoiceField(choices=BOOL_CHOICES, required=False,
                                                       widget=YesNoSelect)
            else:
                # The text goes to Indicator.parse untouched (no strip, no max_length of the
                # form's own), so the form and the API answer the same input the same way.
                field = forms.CharField(
                    required=False, strip=False,
                    widget=FigureInput(attrs={
                        "inputmode": "decimal" if indicator.kind == "decimal" else "numeric",
                        "autocomplete": "off", "maxlength": MAX_TEXT_LENGTH,
                    }))
            field.label = indicator.label
            self.fields[indicator.code] = field

    def clean(self) -> dict:
        cleaned = super().clean()
        self.parsed: dict[str, Value | None] = {}
        for indicator in indicators.ENTERED:
            raw = cleaned.get(indicator.code)
            try:
                self.parsed[indicator.code] = indicator.parse(raw)
            except InvalidValue as exc:
                self.add_error(indicator.code, str(exc))
        return cleaned

    def explanations(self) -> dict[str, str]:
        return {key[len(EXPLAIN_PREFIX):]: text[:2000] for key, text in self.data.items()
                if key.startswith(EXPLAIN_PREFIX)}


class PrefillForm(forms.Form):
    """The fill button: which record(s) to fill the report from, and the version seen."""

    SOURCES: dict[str, set[str]] = {indicators.LEDGER: {indicators.LEDGER},
                                    indicators.ROSTER: {indicators.ROSTER},
                                    "all": {indicators.LEDGER, indicators.ROSTER}}
    source = forms.ChoiceField(choices=[(key, key) for key in SOURCES])
    version = forms.IntegerField(required=False, min_value=0)

    @property
    def sources(self) -> set[str]:
        return self.SOURCES[self.cleaned_data["source"]]


class ReviewForm(forms.Form):
    ACTIONS = [("approve", "审核通过"), ("return", "退回修改"), ("reopen", "重新打开"),
               ("city_approve", "市州初审通过"), ("override", "越级审核")]
    action = forms.ChoiceField(choices=ACTIONS)
    version = forms.IntegerField(min_value=0)
    comment = forms.CharField(required=False, max_length=4000)

    def field_comments(self) -> dict[str, str]:
        return {key[len(COMMENT_PREFIX):]: text[:2000] for key, text in self.data.items()
                if key.startswith(COMMENT_PREFIX) and text.strip()
                and key[len(COMMENT_PREFIX):] in indicators.BY_CODE}


def review_levels_field() -> forms.TypedChoiceField:
    """One-level review unless the province chooses two (a form that leaves it out too)."""
    return forms.TypedChoiceField(label="审核方式", choices=REVIEW_LEVEL_CHOICES, coerce=int,
                                  required=False, empty_value=1, initial=1,
                                  help_text=Round._meta.get_field("review_levels").help_text)


class RoundForm(forms.ModelForm):
    """The year range and the dates' order are the model's rules (Round.clean); a two-level
    round left without a city review deadline gets the default one (reporting.filing.rounds)."""

    review_levels = review_levels_field()

    class Meta:
        model = Round
        fields = ["year", "opens_on", "deadline", "review_levels", "city_review_deadline"]
        widgets = {"opens_on": forms.DateInput(attrs={"type": "date"}),
                   "deadline": forms.DateInput(attrs={"type": "date"}),
                   "city_review_deadline": forms.DateInput(attrs={"type": "date"})}


class ReviewModeForm(forms.ModelForm):
    """The round page's 审核方式: the mode and the city review deadline (the service refuses
    a change of mode once a city has reviewed a report)."""

    review_levels = review_levels_field()

    class Meta:
        model = Round
        fields = ["review_levels", "city_review_deadline"]
        widgets = {"city_review_deadline": forms.DateInput(attrs={"type": "date"})}


class ExtensionForm(forms.Form):
    """Extension.clean (run by reporting.filing.rounds.grant_extension) checks the deadline."""

    base = forms.ModelChoiceField(label="基地", queryset=Base.objects.filter(status="active"),
                                  to_field_name="code")
    deadline = forms.DateField(label="延期至", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=200, required=False)
