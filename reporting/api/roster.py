"""The resident-enterprise roster through the API (SPEC 10): /api/v1/bases/{code}/enterprises/
and /api/v1/enterprises/duplicates/, through the services the pages use
(bases/roster/services.py).

The credit code is the natural key: a POST with a code the base already has updates that
enterprise (200; fields left out stay as they are) instead of being refused as a duplicate.
As on the pages, a base learns that an enterprise is resident in another base at the same
time ("已在其他基地登记") but not which one: that is the province's (the duplicates list).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from bases.access import outside_scope
from bases.credit_code import validate_credit_code
from bases.hooks import year_locked
from bases.models import Base, Role
from bases.roster import services
from bases.roster.models import Enterprise
from bases.roster.services import EnterpriseFields
from reporting.api import record_serializers as rs
from reporting.api.records import CODE, READ, WRITE, RecordsView, django_errors, object_id
from reporting.api.views import READ_ERRORS, ApiView

ENTERPRISE_ID = object_id("id", "enterprise id")
YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description="year (2018)")


def _enterprises(base: Base) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(base=base).prefetch_related("years").order_by("name", "id")


def _overlap(a: Enterprise, b: Enterprise) -> bool:
    """Resident on a common day (the day of moving out is not a resident day)."""
    return ((b.moved_out is None or b.moved_out > a.moved_in)
            and (a.moved_out is None or b.moved_in < a.moved_out))


def elsewhere(base: Base, enterprises: Iterable[Enterprise]) -> dict[int, list[Base]]:
    """The base's enterprises resident in another base at the same time, with those bases,
    in one query."""
    enterprises = list(enterprises)
    others: dict[str, list[Enterprise]] = defaultdict(list)
    for other in (Enterprise.objects.exclude(base=base).select_related("base")
                  .filter(credit_code__in={e.credit_code for e in enterprises})
                  .only("credit_code", "moved_in", "moved_out", "base__code", "base__name")
                  .order_by("base__code")):
        others[other.credit_code].append(other)
    found = {e.pk: [o.base for o in others[e.credit_code] if _overlap(e, o)]
             for e in enterprises}
    return {pk: bases for pk, bases in found.items() if bases}


class RosterView(RecordsView):
    tag = "roster"

    def context(self, request: Request, enterprises: Iterable[Enterprise]) -> dict[str, Any]:
        role = request.user.role
        return {"elsewhere": elsewhere(self.base, enterprises),
                # As on the pages: which other base it is, the province alone learns.
                "names_bases": role == Role.PROVINCE,
                "sees_contact": role in (Role.OFFICER, Role.PROVINCE, Role.PLATFORM)}

    def answer(self, request: Request, enterprise: Enterprise,
               code: int = status.HTTP_200_OK) -> Response:
        enterprise = _enterprises(self.base).get(pk=enterprise.pk)
        return Response(rs.EnterpriseSerializer(
            enterprise, context=self.context(request, [enterprise])).data, status=code)


def _fields(data: dict[str, Any], current: EnterpriseFields | None = None) -> EnterpriseFields:
    if current is None:
        return EnterpriseFields(**data)
    return replace(current, **data)


class EnterpriseList(RosterView):
    @extend_schema(summary="The base's resident enterprises",
                   description="`year`: those resident on some day of the year.",
                   parameters=[CODE, rs.YearQuerySerializer],
                   responses={200: rs.EnterpriseSerializer(many=True), **READ})
    def get(self, request: Request, code: str) -> Response:
        enterprises = _enterprises(self.base)
        year = self.query(request, rs.YearQuerySerializer).get("year")
        if year is not None:
            enterprises = enterprises.filter(services.resident_in_year(year))
        page = self.paginate_queryset(enterprises)
        return self.get_paginated_response(rs.EnterpriseSerializer(
            page, many=True, context=self.context(request, page)).data)

    @extend_schema(summary="Register an enterprise (or update the one with this credit code)",
                   parameters=[CODE], request=rs.EnterpriseWriteSerializer,
                   responses={201: rs.EnterpriseSerializer, 200: rs.EnterpriseSerializer,
                              **WRITE})
    def post(self, request: Request, code: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.EnterpriseWriteSerializer, request.data)
        try:
            return self._upsert(request, data)
        except IntegrityError:
            # The same credit code sent twice at once: the first made it, update that one.
            return self._upsert(request, data)

    def _upsert(self, request: Request, data: dict[str, Any]) -> Response:
        existing = None
        try:
            key = validate_credit_code(data["credit_code"])
        except DjangoValidationError:
            pass  # the service refuses it, naming the rule
        else:
            existing = Enterprise.objects.filter(base=self.base, credit_code=key).first()
        if existing is not None:
            services.update_enterprise(
                enterprise=existing, actor=request.user, request=request,
                fields=_fields(data, EnterpriseFields.of(existing)))
            return self.answer(request, existing)
        enterprise, _ = services.create_enterprise(base=self.base, fields=_fields(data),
                                                   actor=request.user, request=request)
        return self.answer(request, enterprise, status.HTTP_201_CREATED)


class EnterpriseView(RosterView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.enterprise = self.find(request, _enterprises(self.base), kwargs["pk"],
                                    "enterprise")


class EnterpriseDetail(EnterpriseView):
    @extend_schema(summary="One enterprise, with its yearly figures",
                   parameters=[CODE, ENTERPRISE_ID],
                   responses={200: rs.EnterpriseSerializer, **READ})
    def get(self, request: Request, code: str, pk: str) -> Response:
        return Response(rs.EnterpriseSerializer(
            self.enterprise, context=self.context(request, [self.enterprise])).data)

    @extend_schema(summary="Change an enterprise (the fields sent)",
                   parameters=[CODE, ENTERPRISE_ID],
                   request=rs.EnterpriseWriteSerializer(partial=True),
                   responses={200: rs.EnterpriseSerializer, **WRITE})
    def patch(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.EnterpriseWriteSerializer, request.data, partial=True)
        services.update_enterprise(
            enterprise=self.enterprise, actor=request.user, request=request,
            fields=_fields(data, EnterpriseFields.of(self.enterprise)))
        return self.answer(request, self.enterprise)


class EnterpriseYearFigures(EnterpriseView):
    locked_field = "year"

    @extend_schema(summary="Set an enterprise's figures for a year (every code)",
                   description="Locked once the base's report of the year is approved "
                               '(400 with "code": "locked"; a reopen unlocks it).',
                   parameters=[CODE, ENTERPRISE_ID, YEAR], request=rs.YearFiguresSerializer,
                   responses={200: rs.EnterpriseSerializer, **WRITE})
    def put(self, request: Request, code: str, pk: str, year: str) -> Response:
        self.require_writer(request)
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            raise outside_scope(request, f"enterprise:{self.enterprise.pk}/years/{year[:10]}")
        values = self.validated(rs.YearFiguresSerializer, request.data)
        try:
            services.set_year_figures(enterprise=self.enterprise, year=int(year),
                                      values=values, actor=request.user, request=request)
        except DjangoValidationError as exc:
            body = django_errors(exc)
            if int(year) <= dt.date.today().year and year_locked(self.base, int(year)):
                body["code"] = "locked"
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return self.answer(request, self.enterprise)


class DuplicateList(ApiView):
    tag = "roster"
    roles = (Role.PROVINCE,)

    @extend_schema(summary="Enterprises resident in two bases at once (province admin)",
                   description="The same credit code resident in two or more bases on a "
                               "common day of the year (default: last year).",
                   parameters=[rs.DuplicatesQuerySerializer],
                   responses={200: rs.DuplicatesSerializer, **READ_ERRORS})
    def get(self, request: Request) -> Response:
        year = (self.query(request, rs.DuplicatesQuerySerializer).get("year")
                or dt.date.today().year - 1)
        duplicates = services.duplicates_for_year(year)
        body = {"year": year, "count": len(duplicates), "duplicates": [
            {"credit_code": d.credit_code, "entries": [
                {"base_code": e.base.code, "base_name": e.base.name, "city": e.base.city.name,
                 "enterprise_id": e.pk, "name": e.name, "moved_in": e.moved_in,
                 "moved_out": e.moved_out} for e in d.entries]}
            for d in duplicates]}
        return Response(rs.DuplicatesSerializer(body).data)
