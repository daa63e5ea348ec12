"""Serializers of the web API (/api/v1/…): requests, responses and error bodies.

The indicator catalog drives the value serializers: every entered code is one field, parsed by
`Indicator.parse`, so a figure added to the catalog appears in the API and its schema at once.

JSON types are strict, so that the published schema says exactly what is accepted:
decimals are strings ("1234.56"), integers are JSON integers, yes/no figures are booleans,
null clears a figure. Error bodies always name the field (see docs/api.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bases.models import BATCH_MAX, Base
from portal.numbers import MAX_TEXT_LENGTH
from reporting import indicators
from reporting.filing.selectors import default_year
from reporting.indicators import Indicator, InvalidValue, Value
from reporting.models import Report, Round, Status, Transition
from reporting.years import YEAR_MAX, YEAR_MESSAGE, YEAR_MIN, comparison_year

MAX_INT = indicators.MAX_WHOLE
NON_FIELD = "non_field_errors"


def plain(number: Decimal) -> str:
    """A Decimal as a plain string, never in exponent notation."""
    return format(number, "f")


def json_value(indicator: Indicator, value: Value) -> Any:
    """decimal → "12.30" (with the indicator's decimals), int → 12, bool → true."""
    if indicator.is_bool:
        return bool(value)
    if indicator.kind == "int":
        return int(value)
    return plain(Decimal(value).quantize(Decimal(1).scaleb(-indicator.decimals)))


def _clean_text(value: str) -> str:
    if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise serializers.ValidationError("包含无效字符")
    return value


class TextField(serializers.CharField):
    """A JSON string only (DRF's CharField would take 12 for "12"), refusing NUL (DRF does)
    and unpaired surrogates (neither database can store them): bad text is a 400, never a
    server error."""

    default_error_messages = {"invalid": "必须是字符串"}

    def __init__(self, **kwargs: Any) -> None:
        # Untrimmed, so that maxLength means what the schema says; the services strip.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators.append(_clean_text)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (no "12", 12.0 or true); in a query string, digits only."""

    default_error_messages = {"invalid": "必须是整数"}
    digits = re.compile(r"-?[0-9]{1,18}")

    def __init__(self, *, query: bool = False, **kwargs: Any) -> None:
        self.query = query
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            return super().to_internal_value(data)
        if self.query and isinstance(data, str) and self.digits.fullmatch(data):
            return super().to_internal_value(int(data))
        self.fail("invalid")


class YearField(StrictIntegerField):
    """A reporting year, YEAR_MIN to YEAR_MAX (reporting.years)."""

    def __init__(self, **kwargs: Any) -> None:
        # The same words as the pages and the models.
        super().__init__(min_value=YEAR_MIN, max_value=YEAR_MAX, error_messages={
            "min_value": YEAR_MESSAGE, "max_value": YEAR_MESSAGE}, **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """true/false only (a JSON boolean, or the words in a query string)."""

    default_error_messages = {"invalid": "必须是 true 或 false"}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid")


# ---------------------------------------------------------------------------------------
# Indicator values
# ---------------------------------------------------------------------------------------


def _example(indicator: Indicator) -> str:
    return "1234." + "5" * indicator.decimals if indicator.decimals else "1234"


class IndicatorValueField(serializers.Field):
    """One figure of the catalog, parsed by the catalog (`Indicator.parse`)."""

    def __init__(self, indicator: Indicator, **kwargs: Any) -> None:
        self.indicator = indicator
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", f"{indicator.label_with_unit}")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Value | None:
        indicator = self.indicator
        if indicator.is_bool:
            if not isinstance(data, bool):
                raise serializers.ValidationError("请填写 true（是）或 false（否）")
        elif indicator.kind == "int":
            if isinstance(data, bool) or not isinstance(data, int):
                raise serializers.ValidationError("必须是整数（JSON 数字，如 12）")
        elif not isinstance(data, str):
            raise serializers.ValidationError(f"请以字符串填写数字，如 \"{_example(indicator)}\"")
        try:
            value = indicator.parse(data)  # the web form's parser: the same syntax and messages
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from None
        if value is None:
            raise serializers.ValidationError(
                f"格式不正确：请填写数字，如 \"{_example(indicator)}\"；清除数值请用 null")
        return value

    def to_representation(self, value: Value) -> Any:
        return json_value(self.indicator, value)


class IndicatorValueFieldSchema(OpenApiSerializerFieldExtension):
    target_class = IndicatorValueField

    def map_serializer_field(self, auto_schema, direction):
        indicator: Indicator = self.target.indicator
        if indicator.is_bool:
            return {"type": "boolean"}
        if indicator.kind == "int":
            schema: dict[str, Any] = {"type": "integer", "maximum": MAX_INT}
            if indicator.minimum is not None:
                schema["minimum"] = int(indicator.minimum)
            else:
                schema["minimum"] = -MAX_INT
            return schema
        return {"type": "string", "format": "decimal", "pattern": indicator.text_pattern,
                "maxLength": MAX_TEXT_LENGTH, "example": _example(indicator)}


class CatalogObjectSerializer(serializers.Serializer):
    """An object keyed by indicator code: any other key is refused by name."""

    not_an_object = "必须是对象：{指标代码: …}"

    def refusal(self, key: str) -> str:
        indicator = indicators.BY_CODE.get(key)
        return "未知的指标代码" if indicator is None else "自动计算的指标，不能填写"

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is None:
            raise serializers.ValidationError({NON_FIELD: [self.not_an_object]})
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({NON_FIELD: [self.not_an_object]})
        fields = self.fields
        errors: dict[str, Any] = {str(key): [self.refusal(str(key))]
                                  for key in data if key not in fields}
        try:
            parsed = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)  # type: ignore[arg-type]
            parsed = {}
        if errors:
            raise serializers.ValidationError(errors)
        return parsed


class EnteredValuesSerializer(CatalogObjectSerializer):
    """Entered figures by indicator code (see /api/v1/indicators/). Decimals as strings,
    integers as numbers, yes/no as booleans; null clears a figure; a code left out is left
    unchanged. Unknown codes and derived figures (such as `patents`) are refused."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {indicator.code: IndicatorValueField(indicator) for indicator in indicators.ENTERED}


class FieldCommentsSerializer(CatalogObjectSerializer):
    """Reviewer's comments by indicator code (blank comments are dropped)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {indicator.code: TextField(required=False, allow_blank=True, max_length=2000,
                                          help_text=indicator.label)
                for indicator in indicators.CATALOG}

    def refusal(self, key: str) -> str:
        return "未知的指标代码"


class ClosedObjectSchema(OpenApiSerializerExtension):
    """These objects accept only the catalog's codes: say so in the schema."""

    target_class = CatalogObjectSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


class ReportValuesSerializer(serializers.Serializer):
    """A report's figures {code: value}, derived ones (such as `patents`) included.

    Codes without a value are left out.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {indicator.code: IndicatorValueField(indicator, read_only=True, allow_null=False)
                for indicator in indicators.CATALOG}

    def to_representation(self, instance: Report) -> dict[str, Any]:
        values = indicators.with_derived(instance.value_map())
        return {i.code: json_value(i, values[i.code])
                for i in indicators.CATALOG if values.get(i.code) is not None}


# ---------------------------------------------------------------------------------------
# Catalog, bases, rounds
# ---------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.CharField(help_text="operation / services / enterprises / platforms")
    section_label = serializers.SerializerMethodField()
    label = serializers.CharField()
    unit = serializers.CharField()
    type = serializers.ChoiceField(choices=["decimal", "int", "bool"], source="kind")
    decimals = serializers.IntegerField()
    min = serializers.DecimalField(max_digits=16, decimal_places=2, source="minimum",
                                   allow_null=True, coerce_to_string=True,
                                   help_text="lower bound; null: none (may be negative)")
    required = serializers.BooleanField(help_text="required for submission")
    derived = serializers.BooleanField(help_text="computed from other figures, never entered")
    derived_from = serializers.ListField(child=serializers.CharField())
    aggregation = serializers.CharField(help_text="sum / mean_of_positive / share_true")
    not_above = serializers.CharField(allow_null=True, help_text="must not exceed this code")
    implies = serializers.CharField(allow_null=True, help_text="true only if this code is true")
    notes = serializers.CharField()

    def get_section_label(self, indicator: Indicator) -> str:
        return indicators.SECTIONS[indicator.section]


class BaseSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.name")
    # Not an enum in the schema: it would collide with the report status enum.
    status = serializers.CharField(help_text="active（在册）/ delisted（已摘牌）")

    class Meta:
        model = Base
        fields = ["code", "name", "city", "county", "batch", "year_designated", "operator",
                  "address", "phone", "status", "delisted_on"]
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer):
    """Types only: the round's rules (Round.clean, one round a year) are checked by
    reporting.filing.rounds.open_round, whose messages the view answers as field errors."""

    year = YearField()
    is_closed = serializers.BooleanField(read_only=True)
    opened_by = serializers.CharField(source="opened_by.username", read_only=True,
                                      allow_null=True, default=None)

    review_levels = StrictIntegerField(
        min_value=1, max_value=2, required=False, default=1,
        help_text="1: the province reviews (default); 2: the city reviewers first")
    city_review_deadline = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="two-level rounds; default: the deadline plus 10 days")

    class Meta:
        model = Round
        fields = ["year", "opens_on", "deadline", "review_levels", "city_review_deadline",
                  "closed_at", "is_closed", "opened_by"]
        read_only_fields = ["closed_at"]


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_null=True, help_text="as recorded; null: no value")
    new = serializers.CharField(allow_null=True, help_text="as recorded; null: no value")


class ReportSerializer(serializers.ModelSerializer):
    base_code = serializers.CharField(source="base.code")
    base_name = serializers.CharField(source="base.name")
    city = serializers.CharField(source="base.city.name")
    status = serializers.ChoiceField(choices=Status.choices)
    values = ReportValuesSerializer(source="*")
    field_comments = serializers.DictField(child=serializers.CharField(),
                                           help_text="reviewer's comments by indicator code")
    explanations = serializers.DictField(
        child=serializers.CharField(),
        help_text="officer's explanations by soft-check key (`kind:code`)")

    review_levels = serializers.SerializerMethodField(
        help_text="the year's round: 1 (province only) or 2 (city first); 1 without a round")
    city_opinion = serializers.CharField(
        help_text="two-level rounds: the city reviewer's opinion on passing the current "
                  "submission (empty otherwise)")

    class Meta:
        model = Report
        fields = ["id", "base_code", "base_name", "city", "year", "status", "version", "values",
                  "field_comments", "explanations", "ledger_complete", "roster_complete",
                  "review_comment", "review_levels", "city_opinion", "created_at",
                  "updated_at", "first_submitted_at", "submitted_at", "approved_at"]
        read_only_fields = fields

    def get_review_levels(self, report: Report) -> int:
        # One query per serializer (a list's reports share its context), not one per report.
        levels = self.context.get("review_levels")
        if levels is None:
            levels = self.context["review_levels"] = dict(
                Round.objects.values_list("year", "review_levels"))
        return levels.get(report.year, 1)


class ReportDetailSerializer(ReportSerializer):
    changes_since_previous_submission = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "changes_since_previous_submission"]
        read_only_fields = fields

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes_since_previous_submission(self, report: Report) -> list[dict[str, Any]]:
        from reporting.filing.selectors import changes_since_previous_submission

        return [{"code": i.code, "label": i.label, "old": None if old == "—" else old,
                 "new": None if new == "—" else new}
                for i, old, new in changes_since_previous_submission(report)]


class ReportCreateSerializer(serializers.Serializer):
    year = YearField()
    base_code = TextField(required=False, max_length=20,
                          help_text="the officer's own base when left out")
    values = EnteredValuesSerializer(required=False)


class ReportUpdateSerializer(serializers.Serializer):
    version = StrictIntegerField(min_value=1, help_text="the version you last read")
    values = EnteredValuesSerializer(required=False)
    ledger_complete = StrictBooleanField(
        required=False, help_text="本年度台帐完整: figures that differ from the service ledger's "
                                  "then need an explanation (left out: unchanged)")
    roster_complete = StrictBooleanField(
        required=False, help_text="本年度名册完整: the same for the resident-enterprise roster")


class SubmitSerializer(serializers.Serializer):
    explanations = serializers.DictField(
        child=TextField(max_length=2000, allow_blank=True), required=False,
        help_text="explanations by soft-check key, as given in `warnings[].check`")
    version = StrictIntegerField(min_value=1, required=False,
                                 help_text="optional: refuse if the report changed since")


class ReturnSerializer(serializers.Serializer):
    comment = TextField(required=False, allow_blank=True, max_length=5000)
    field_comments = FieldCommentsSerializer(required=False)
    version = StrictIntegerField(min_value=1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        comments = [text for text in attrs.get("field_comments", {}).values() if text.strip()]
        if not attrs.get("comment", "").strip() and not comments:
            raise serializers.ValidationError({"comment": ["退回时请填写审核意见"]})
        return attrs


class ApproveSerializer(serializers.Serializer):
    version = StrictIntegerField(min_value=1,
                                 help_text="required: you approve exactly the figures you read")
    override_reason = TextField(
        required=False, allow_blank=True, max_length=5000,
        help_text="two-level rounds: approving a report the city has not passed (越级审核) "
                  "needs the written reason; without it such an approval answers 409")


class CityApproveSerializer(serializers.Serializer):
    version = StrictIntegerField(min_value=1,
                                 help_text="required: you pass exactly the figures you read")
    comment = TextField(required=False, allow_blank=True, max_length=5000,
                        help_text="optional opinion, shown to the province")


class ReopenSerializer(serializers.Serializer):
    reason = TextField(max_length=5000)
    version = StrictIntegerField(min_value=1, required=False)

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("重新打开报表须填写原因")
        return value


class TransitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=Transition.Action.choices)
    action_label = serializers.CharField()
    from_status = serializers.CharField(help_text="empty for the creation")
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="username; null if deleted")
    at = serializers.DateTimeField()
    comment = serializers.CharField()
    field_comments = serializers.DictField(child=serializers.CharField())
    explanations = serializers.DictField(child=serializers.CharField())
    changes = ChangeSerializer(many=True, help_text=(
        "figures that differ between this transition's snapshot and the previous one "
        "(transitions without a snapshot: empty)"))


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


YEAR_HELP = "default: the latest year with approved reports"


class AnnexQuerySerializer(serializers.Serializer):
    year = YearField(query=True, required=False, help_text=YEAR_HELP)
    compare_year = YearField(query=True, required=False, help_text="default: year − 1")
    cohort_batch = StrictIntegerField(query=True, required=False, min_value=1,
                                      max_value=BATCH_MAX,
                                      help_text="narrow the 同口径 cohort to one batch")
    preview = StrictBooleanField(required=False, default=False,
                                 help_text="province admin only: count submitted reports too")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("year", default_year())
        try:
            attrs["compare_year"] = comparison_year(attrs["year"], attrs.get("compare_year"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


class RankingQuerySerializer(serializers.Serializer):
    year = YearField(query=True, required=False, help_text=YEAR_HELP)
    top = StrictIntegerField(query=True, required=False, default=10, min_value=1,
                             max_value=100)
    preview = StrictBooleanField(required=False, default=False,
                                 help_text="province admin only: count submitted reports too")


    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("year", default_year())
        return attrs


class YearQuerySerializer(serializers.Serializer):
    year = YearField(query=True, required=False, help_text="default: the latest round")


class CellSerializer(serializers.Serializer):
    display = serializers.CharField(help_text="as printed: \"12.3\", \"4.5%\", \"/\", \"—\"")
    rounded = serializers.CharField(allow_null=True, help_text=(
        "the printed number in display units (percent points for a percent), "
        "ROUND_HALF_UP; null for \"/\" or no data"))
    value = serializers.CharField(allow_null=True, help_text=(
        "exact value in entry units (平方米, 万元, …), a percent as a fraction"))
    decimals = serializers.IntegerField()
    scale = serializers.IntegerField(help_text="display = value / 10^scale (4: 万平方米, 亿元)")
    percent = serializers.BooleanField()
    literal = serializers.CharField(allow_null=True)


class AnnexRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    cells = CellSerializer(many=True)


class HeaderCellSerializer(serializers.Serializer):
    text = serializers.CharField()
    colspan = serializers.IntegerField()
    rowspan = serializers.IntegerField()


class AnnexSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    header = serializers.ListField(child=HeaderCellSerializer(many=True),
                                   help_text="header rows, HTML table semantics")
    columns = serializers.ListField(child=serializers.CharField(),
                                    help_text="leaf header of every value column")
    rows = AnnexRowSerializer(many=True)


class AnnexesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    compare_year = serializers.IntegerField(allow_null=True)
    cohort_batch = serializers.IntegerField(allow_null=True)
    preview = serializers.BooleanField()
    region = serializers.CharField()
    n = serializers.IntegerField(help_text="bases with an approved report in the year")
    cohort_size = serializers.IntegerField(allow_null=True)
    annexes = serializers.DictField(child=AnnexSerializer(),
                                    help_text="附件1 … 附件6 (附件2/4/6 with a comparison year)")


class RankingRowSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    base_code = serializers.CharField()
    base_name = serializers.CharField()
    value = serializers.CharField(help_text="in entry units, exact (a decimal string)")


class RankingSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    increase = serializers.BooleanField()
    rows = RankingRowSerializer(many=True)


class RankingsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    top = serializers.IntegerField()
    preview = serializers.BooleanField()
    rankings = RankingSerializer(many=True)


class TallySerializer(serializers.Serializer):
    label = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=(
        "by state: not_started, draft, submitted, city_approved, returned, approved"))
    city_review = serializers.DictField(child=serializers.IntegerField(), help_text=(
        "two-level rounds: awaiting, passed, returned (by the city), overdue"))
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    imported = serializers.IntegerField(help_text="created by an import: neither on time nor late")
    total = serializers.IntegerField()


class BaseStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    deadline = serializers.DateField()
    late = serializers.BooleanField()
    city_review = serializers.CharField(help_text="two-level rounds: awaiting, passed, returned "
                                                  "or empty")
    city_overdue = serializers.BooleanField()
    imported = serializers.BooleanField()


class CompletenessSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    is_closed = serializers.BooleanField()
    review_levels = serializers.IntegerField()
    city_review_deadline = serializers.DateField(allow_null=True)
    total = TallySerializer()
    by_city = TallySerializer(many=True)
    bases = BaseStateSerializer(many=True)
    missing = BaseStateSerializer(many=True, help_text="not started or still drafting")


# ---------------------------------------------------------------------------------------
# Error bodies
# ---------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 415: {"detail": message}."""

    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """409: the request is valid but the report's state or version forbids it."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_version", "workflow", "duplicate"])
    current_version = serializers.IntegerField(
        required=False, help_text="stale_version: the version to re-read and retry with")
    report_id = serializers.IntegerField(required=False,
                                         help_text="duplicate: the existing report")


class FindingSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="the key to file the explanation under")
    kind = serializers.CharField()
    field = serializers.CharField(help_text="indicator code")
    message = serializers.CharField()


def _messages() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False)


def _by_code() -> serializers.DictField:
    return serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                 required=False, help_text="messages by code (or by "
                                                           "non_field_errors)")


def error_serializer(name: str, *fields: str, by_code: tuple[str, ...] = (),
                     free: tuple[str, ...] = ()) -> type[serializers.Serializer]:
    """A 400 body: {"field": ["message", …]} for the named fields, `detail` for a body that
    is not JSON, `non_field_errors` for one that is not an object."""
    declared: dict[str, serializers.Field] = {
        "detail": serializers.CharField(required=False),
        NON_FIELD: _messages(),
    }
    declared.update({field: _messages() for field in fields})
    declared.update({field: _by_code() for field in by_code})
    declared.update({field: serializers.JSONField(required=False) for field in free})
    return type(name, (serializers.Serializer,), {
        **declared, "__doc__": "400: messages by field name.",
        "__module__": __name__})


ReportWriteError = error_serializer("ReportWriteError", "year", "base_code", "version",
                                    by_code=("values",))
RoundError = error_serializer("RoundError", "year", "opens_on", "deadline", "review_levels",
                              "city_review_deadline")
ReturnError = error_serializer("ReturnError", "comment", "version", by_code=("field_comments",))
ApproveError = error_serializer("ApproveError", "version", "override_reason")
CityApproveError = error_serializer("CityApproveError", "version", "comment")
ReopenError = error_serializer("ReopenError", "reason", "version")
QueryError = error_serializer("QueryError", "year", "status", "city", "batch", "base", "timing",
                              "compare_year", "cohort_batch", "preview", "top")


class SubmitErrorSerializer(serializers.Serializer):
    """400 on submit: hard check errors, soft findings lacking an explanation, or a bad body."""

    detail = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="hard check errors by indicator code: nothing was submitted")
    warnings = FindingSerializer(many=True, required=False, help_text=(
        "soft findings without an explanation: resend with explanations[check]"))
    explanations = serializers.JSONField(required=False)
    version = _messages()
    non_field_errors = _messages()
