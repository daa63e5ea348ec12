"""Serializers of a base's own records through the API: the service ledger (SPEC 9) and the
resident-enterprise roster (SPEC 10).

They type the JSON only (strict types, bounded sizes, no unknown keys); every rule about the
records (dates, categories, ranges, credit codes, locked years) is the services' in
bases/ledger/services.py and bases/roster/services.py, as for the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bases.ledger.categories import CATEGORIES
from bases.ledger.models import (
    ENTERPRISES_SERVED_MAX,
    ActivityAttachment,
    Institution,
    ServiceActivity,
)
from bases.roster.figures import BY_CODE, FIGURES
from bases.roster.forms import DECIMAL_LIMIT, INT_LIMIT
from bases.roster.models import Enterprise
from bases.roster.services import ELSEWHERE
from portal.numbers import MAX_TEXT_LENGTH, NumberSyntaxError, parse_number_text
from reporting.api.serializers import NON_FIELD, StrictBooleanField, StrictIntegerField, TextField
from reporting.api.serializers import plain as plain_number

SELF = "self"
#: A note is free text; long minutes belong in an attachment.
NOTE_MAX = 5000


class StrictKeysSerializer(serializers.Serializer):
    """An object whose keys are the declared fields: a misspelt key is refused by name
    rather than silently ignored (a platform would think it had sent it)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({NON_FIELD: ["必须是 JSON 对象"]})
        unknown = {str(key): ["未知的字段"] for key in data
                   if key not in self.fields or self.fields[key].read_only}
        try:
            parsed = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            unknown.update(exc.detail)  # type: ignore[arg-type]
            parsed = {}
        if unknown:
            raise serializers.ValidationError(unknown)
        return parsed


@extend_schema_field({"oneOf": [{"type": "string", "enum": [SELF]}, {"type": "integer"}],
                      "description": '"self" (the base itself) or the id of one of the base\'s '
                                     "institutions"})
class ProviderField(serializers.Field):
    default_error_messages = {
        "invalid": '必须是 "self"（本基地）或本基地第三方服务机构的 id（整数）'}

    def to_internal_value(self, data: Any) -> int | None:
        if data is None or data == SELF:
            return None
        if isinstance(data, bool) or not isinstance(data, int) or not 0 < data < 2**63:
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        # Read with source="*": the activity itself (DRF would skip a None provider_id).
        provider_id = getattr(value, "provider_id", value)
        return SELF if provider_id is None else provider_id


def _date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(input_formats=["iso-8601"], **kwargs)


# --- the ledger ------------------------------------------------------------------------------

class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")

    class Meta:
        model = ActivityAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as the API answers it (SPEC 9)."""

    provider = ProviderField(source="*", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceActivity
        fields = ["id", "date", "category", "title", "provider", "enterprises_served", "note",
                  "external_id", "attachments"]


class ActivityWriteSerializer(StrictKeysSerializer):
    """An activity as a client sends it. On PATCH every field is optional; `external_id`
    already used by the base makes a POST update that activity instead of adding one."""

    date = _date(help_text="活动日期，YYYY-MM-DD；不能晚于今天或早于基地认定年份")
    category = serializers.ChoiceField(choices=CATEGORIES,
                                       help_text="服务类别（svc_<category>_sessions 的中段）",
                                       error_messages={"invalid_choice": "“{input}”不是服务类别"})
    title = TextField(max_length=200, help_text="活动名称")
    provider = ProviderField(required=False, help_text='"self" 或本基地第三方服务机构的 id')
    enterprises_served = StrictIntegerField(
        required=False, min_value=0, max_value=ENTERPRISES_SERVED_MAX,
        help_text=f"服务企业家次，0 至 {ENTERPRISES_SERVED_MAX}",
        error_messages={"min_value": f"须为0至{ENTERPRISES_SERVED_MAX}之间的整数",
                        "max_value": f"须为0至{ENTERPRISES_SERVED_MAX}之间的整数"})
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX, help_text="备注")
    external_id = TextField(required=False, allow_blank=True, max_length=100,
                            help_text="本基地服务平台上的记录编号（本基地内唯一；重发即更新）")


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "credit_code", "categories", "since", "until", "external_id"]


class InstitutionWriteSerializer(StrictKeysSerializer):
    name = TextField(max_length=150, help_text="机构名称")
    credit_code = TextField(required=False, allow_blank=True, max_length=40,
                            help_text="统一社会信用代码（可选；填写时校验）")
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=CATEGORIES,
                                      error_messages={"invalid_choice": "“{input}”不是服务类别"}),
        max_length=len(CATEGORIES) * 2, help_text="服务类别")
    since = _date(help_text="合作起始日期")
    until = _date(required=False, allow_null=True, help_text="合作终止日期（null：仍在合作）")
    external_id = TextField(required=False, allow_blank=True, max_length=100,
                            help_text="本基地服务平台上的记录编号（本基地内唯一；重发即更新）")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、JPEG 或 PNG（按内容识别），不超过 5 MB")


class YearQuerySerializer(serializers.Serializer):
    year = StrictIntegerField(query=True, required=False, min_value=1990, max_value=2100,
                              help_text="只列出该年度的记录")


# --- the roster ------------------------------------------------------------------------------

def figure_json(code: str, value: Any) -> Any:
    figure = BY_CODE[code]
    if figure.kind == "int":
        return int(value)
    return plain_number(Decimal(value).quantize(Decimal(1).scaleb(-figure.decimals)))


@extend_schema_field({"type": "object", "additionalProperties": {
    "type": "object", "additionalProperties": {"oneOf": [{"type": "integer"},
                                                         {"type": "string"}]}},
    "description": '年度数据：{"2018": {code: value}}；整数为数字，金额为字符串'})
class YearsField(serializers.Field):
    def to_representation(self, enterprise: Enterprise) -> dict[str, dict[str, Any]]:
        return {str(row.year): {f.code: figure_json(f.code, getattr(row, f.code))
                                for f in FIGURES}
                for row in sorted(enterprise.years.all(), key=lambda r: r.year)}


@extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}}},
    "description": "the other bases it is resident in at the same time (province admin only)"})
class ElsewhereBasesField(serializers.Field):
    """Filled in by EnterpriseSerializer, for the province alone."""

    def to_representation(self, value: Any) -> list[dict[str, str]]:
        return []


class EnterpriseSerializer(serializers.ModelSerializer):
    """An enterprise as the API answers it (SPEC 10). `resident_elsewhere` is
    "已在其他基地登记" when the same credit code is resident in another base at the same
    time; which base, only the province learns (`elsewhere_bases`, its answers only)."""

    years = YearsField(source="*", read_only=True)
    resident_elsewhere = serializers.SerializerMethodField()
    # Not read-only, so that the schema does not call it required: others never get it.
    elsewhere_bases = ElsewhereBasesField(source="*", required=False)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "moved_in", "moved_out", "small_micro",
                  "high_tech", "high_tech_cert", "high_tech_valid_until", "industry",
                  "contact", "years", "resident_elsewhere", "elsewhere_bases"]

    def get_resident_elsewhere(self, enterprise: Enterprise) -> str | None:
        return ELSEWHERE if self.context.get("elsewhere", {}).get(enterprise.pk) else None

    def to_representation(self, instance: Enterprise) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("sees_contact", False):
            data.pop("contact", None)  # personal data: the base and the province only
        if self.context.get("names_bases", False):
            data["elsewhere_bases"] = [
                {"code": base.code, "name": base.name}
                for base in self.context.get("elsewhere", {}).get(instance.pk, [])]
        else:
            data.pop("elsewhere_bases", None)
        return data


class EnterpriseWriteSerializer(StrictKeysSerializer):
    """A POST with a credit code the base already has updates that enterprise (the natural
    key of a platform's resend); on PATCH every field is optional."""

    name = TextField(max_length=200, help_text="企业名称")
    credit_code = TextField(max_length=40, help_text="统一社会信用代码（18位，GB 32100-2015）")
    moved_in = _date(help_text="入驻日期")
    moved_out = _date(required=False, allow_null=True, help_text="迁出日期（null：在驻）")
    small_micro = StrictBooleanField(required=False, help_text="小微企业")
    high_tech = StrictBooleanField(required=False, help_text="高新技术企业")
    high_tech_cert = TextField(required=False, allow_blank=True, max_length=50,
                               help_text="高新技术企业证书编号")
    high_tech_valid_until = _date(required=False, allow_null=True,
                                  help_text="高新技术企业证书有效期至")
    industry = TextField(required=False, allow_blank=True, max_length=1,
                         help_text="国民经济行业门类字母（GB/T 4754），可空")
    contact = TextField(required=False, allow_blank=True, max_length=100,
                        help_text="联系人及电话（个人信息：仅本基地和省级可见）")


class FigureValueField(serializers.Field):
    """One yearly figure: whole figures as JSON integers, money (万元) as strings in the
    portal's one number syntax ("1200.50"), as the reports' figures."""

    def __init__(self, code: str, **kwargs: Any) -> None:
        self.figure = BY_CODE[code]
        kwargs.setdefault("help_text", self.figure.label_with_unit)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int | Decimal:
        figure = self.figure
        if figure.kind == "int":
            if isinstance(data, bool) or not isinstance(data, int):
                raise serializers.ValidationError("必须是整数（JSON 数字，如 12）")
            if abs(data) >= INT_LIMIT:
                raise serializers.ValidationError("数值过大")
            return data
        if not isinstance(data, str):
            raise serializers.ValidationError('请以字符串填写数字，如 "1200.50"')
        try:
            number = parse_number_text(data, signed=True)
        except NumberSyntaxError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if abs(number) >= DECIMAL_LIMIT:
            raise serializers.ValidationError("数值过大")
        return number


class FigureValueFieldSchema(OpenApiSerializerFieldExtension):
    target_class = FigureValueField

    def map_serializer_field(self, auto_schema, direction):
        figure = self.target.figure
        if figure.kind == "int":
            return {"type": "integer", "minimum": 0, "maximum": INT_LIMIT - 1}
        return {"type": "string", "format": "decimal", "maxLength": MAX_TEXT_LENGTH,
                "example": "1200.50"}


class YearFiguresSerializer(StrictKeysSerializer):
    """One enterprise's figures for a year, every code of SPEC 10 (a PUT replaces them)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {f.code: FigureValueField(f.code) for f in FIGURES}


class DuplicateEntrySerializer(serializers.Serializer):
    base_code = serializers.CharField()
    base_name = serializers.CharField()
    city = serializers.CharField()
    enterprise_id = serializers.IntegerField()
    name = serializers.CharField()
    moved_in = serializers.DateField()
    moved_out = serializers.DateField(allow_null=True)


class DuplicateSerializer(serializers.Serializer):
    credit_code = serializers.CharField()
    entries = DuplicateEntrySerializer(many=True)


class DuplicatesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    duplicates = DuplicateSerializer(many=True)


class DuplicatesQuerySerializer(serializers.Serializer):
    year = StrictIntegerField(query=True, required=False, min_value=1990, max_value=2100,
                              help_text="年度（默认：上一年度）")


class RecordErrorSerializer(serializers.Serializer):
    """400: `errors` names each field at fault; nothing was saved."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)
    code = serializers.CharField(required=False, help_text="locked: the year's report is "
                                                           "approved (a reopen unlocks it)")
