"""GET /api/v1/bases/{code}/prefill/{year}/: the figures the base's service ledger and
resident-enterprise roster give for a year (SPEC sections 9 and 10), from the same selector
as the officer's form (reporting.filing.prefill)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bases.access import get_base
from reporting import indicators
from reporting.api.serializers import error_serializer, json_value
from reporting.api.views import CODE, READ_ERRORS, ApiView
from reporting.filing.prefill import prefill_for
from reporting.years import YEAR_MAX, YEAR_MESSAGE, YEAR_MIN

YearError = error_serializer("PrefillYearError", "year")
YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="reporting year")


class PrefillSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text="{code: value} computed from the records, typed as report values "
                  "(decimals as strings, integers, booleans); only the codes a record "
                  "the base keeps can compute")
    sources = serializers.DictField(child=serializers.ChoiceField(
        choices=[indicators.LEDGER, indicators.ROSTER]), help_text="{code: ledger | roster}")
    ledger_complete = serializers.BooleanField(
        help_text="the officer declared the year's ledger complete (本年度台帐完整)")
    roster_complete = serializers.BooleanField(
        help_text="the officer declared the year's roster complete (本年度名册完整)")
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text="what to know before filling these in (Chinese), e.g. enterprises that moved "
                  "out during the year counted as reporting but not as resident")


class PrefillView(ApiView):
    """Scoped like the reports: an officer their base, a city viewer their city's bases,
    the province every base; anyone else (and any other base) the audited 404."""

    tag = "bases"
    serializer_class = PrefillSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.base = get_base(request, kwargs["code"])

    @extend_schema(summary="Pre-fill of a year's report from the ledger and the roster",
                   parameters=[CODE, YEAR],
                   responses={200: PrefillSerializer, 400: YearError, **READ_ERRORS})
    def get(self, request: Request, code: str, year: int) -> Response:
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValidationError({"year": [YEAR_MESSAGE]})
        prefill = prefill_for(self.base, year)
        return Response({
            "values": {code: json_value(indicators.BY_CODE[code], value)
                       for code, value in prefill.values.items()},
            "sources": prefill.sources,
            "ledger_complete": prefill.ledger_complete,
            "roster_complete": prefill.roster_complete,
            "notes": list(prefill.notes),
        })
