"""The service ledger through the API (SPEC 9): /api/v1/bases/{code}/activities/ and
/institutions/, through the services the pages use (bases/ledger/services.py).

A POST whose `external_id` the base already has updates that entry (200) instead of adding
one (201), so a base's own platform may resend a record safely.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from bases.ledger import services
from bases.ledger.models import Institution, ServiceActivity
from reporting.api import record_serializers as rs
from reporting.api.records import CODE, READ, WRITE, RecordsView, object_id

ACTIVITY_ID = object_id("id", "activity id")
INSTITUTION_ID = object_id("id", "institution id")


def _activities(base) -> QuerySet[ServiceActivity]:
    return (ServiceActivity.objects.filter(base=base).select_related("provider")
            .prefetch_related("attachments").order_by("-date", "-id"))


def activity_input(data: dict[str, Any], current: ServiceActivity | None = None
                   ) -> services.ActivityInput:
    """The service's input: the body's fields over the activity's current ones (PATCH)."""
    fields: dict[str, Any] = {}
    if current is not None:
        fields = {"date": current.date, "category": current.category, "title": current.title,
                  "provider_id": current.provider_id,
                  "enterprises_served": current.enterprises_served, "note": current.note,
                  "external_id": current.external_id}
    renamed = {("provider_id" if key == "provider" else key): value
               for key, value in data.items()}
    return services.ActivityInput(**{**fields, **renamed})


def institution_input(data: dict[str, Any], current: Institution | None = None
                      ) -> services.InstitutionInput:
    fields: dict[str, Any] = {}
    if current is not None:
        fields = {"name": current.name, "credit_code": current.credit_code,
                  "categories": tuple(current.categories), "since": current.since,
                  "until": current.until, "external_id": current.external_id}
    data = dict(data)
    if "categories" in data:
        data["categories"] = tuple(data["categories"])
    return services.InstitutionInput(**{**fields, **data})


class LedgerView(RecordsView):
    tag = "ledger"


def _year_filter(request: Request, view: RecordsView) -> int | None:
    return view.query(request, rs.YearQuerySerializer).get("year")


class ActivityList(LedgerView):
    locked_field = "date"

    @extend_schema(summary="The base's service activities (newest first)",
                   parameters=[CODE, rs.YearQuerySerializer],
                   responses={200: rs.ActivitySerializer(many=True), **READ})
    def get(self, request: Request, code: str) -> Response:
        activities = _activities(self.base)
        year = _year_filter(request, self)
        if year is not None:
            activities = activities.filter(date__year=year)
        page = self.paginate_queryset(activities)
        return self.get_paginated_response(rs.ActivitySerializer(page, many=True).data)

    @extend_schema(summary="Record an activity (or update the one with this external_id)",
                   parameters=[CODE], request=rs.ActivityWriteSerializer,
                   responses={201: rs.ActivitySerializer, 200: rs.ActivitySerializer, **WRITE})
    def post(self, request: Request, code: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.ActivityWriteSerializer, request.data)
        values = activity_input(data)
        try:
            activity, created = services.upsert_activity(base=self.base, actor=request.user,
                                                         data=values, request=request)
        except IntegrityError:
            # The same external_id sent twice at once: the first one made it, update it.
            activity, created = services.upsert_activity(base=self.base, actor=request.user,
                                                         data=values, request=request)
        return Response(rs.ActivitySerializer(_activities(self.base).get(pk=activity.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ActivityDetail(LedgerView):
    locked_field = "date"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.activity = self.find(request, _activities(self.base), kwargs["pk"], "activity")

    @extend_schema(summary="One activity", parameters=[CODE, ACTIVITY_ID],
                   responses={200: rs.ActivitySerializer, **READ})
    def get(self, request: Request, code: str, pk: str) -> Response:
        return Response(rs.ActivitySerializer(self.activity).data)

    @extend_schema(summary="Change an activity (the fields sent)",
                   parameters=[CODE, ACTIVITY_ID], request=rs.ActivityWriteSerializer(partial=True),
                   responses={200: rs.ActivitySerializer, **WRITE})
    def patch(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.ActivityWriteSerializer, request.data, partial=True)
        services.update_activity(activity=self.activity, actor=request.user,
                                 data=activity_input(data, self.activity), request=request)
        return Response(rs.ActivitySerializer(_activities(self.base).get(pk=self.activity.pk))
                        .data)

    @extend_schema(summary="Delete an activity and its attachments",
                   parameters=[CODE, ACTIVITY_ID], responses={204: None, **WRITE})
    def delete(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        services.delete_activity(activity=self.activity, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentUpload(LedgerView):
    parser_classes = [MultiPartParser]
    locked_field = "file"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.activity = self.find(request, _activities(self.base), kwargs["pk"], "activity")

    @extend_schema(summary="Add an evidence file (multipart, field `file`)",
                   description="PDF, JPEG or PNG by content (not by name), at most 5 MB.",
                   parameters=[CODE, ACTIVITY_ID],
                   request={"multipart/form-data": rs.AttachmentUploadSerializer},
                   responses={201: rs.AttachmentSerializer, **WRITE})
    def post(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.AttachmentUploadSerializer, request.data)
        attachment = services.add_attachment(activity=self.activity, actor=request.user,
                                             upload=data["file"], request=request)
        return Response(rs.AttachmentSerializer(attachment).data,
                        status=status.HTTP_201_CREATED)


def _institutions(base) -> QuerySet[Institution]:
    return Institution.objects.filter(base=base).order_by("name", "id")


class InstitutionList(LedgerView):
    locked_field = "since"

    @extend_schema(summary="The base's third-party institutions",
                   description="`year`: those cooperating on some day of the year.",
                   parameters=[CODE, rs.YearQuerySerializer],
                   responses={200: rs.InstitutionSerializer(many=True), **READ})
    def get(self, request: Request, code: str) -> Response:
        institutions = _institutions(self.base)
        year = _year_filter(request, self)
        if year is not None:
            institutions = institutions.filter(since__lte=dt.date(year, 12, 31)).filter(
                Q(until__isnull=True) | Q(until__gte=dt.date(year, 1, 1)))
        page = self.paginate_queryset(institutions)
        return self.get_paginated_response(rs.InstitutionSerializer(page, many=True).data)

    @extend_schema(summary="Add an institution (or update the one with this external_id)",
                   parameters=[CODE], request=rs.InstitutionWriteSerializer,
                   responses={201: rs.InstitutionSerializer, 200: rs.InstitutionSerializer,
                              **WRITE})
    def post(self, request: Request, code: str) -> Response:
        self.require_writer(request)
        values = institution_input(self.validated(rs.InstitutionWriteSerializer, request.data))
        try:
            institution, created = services.upsert_institution(
                base=self.base, actor=request.user, data=values, request=request)
        except IntegrityError:
            institution, created = services.upsert_institution(
                base=self.base, actor=request.user, data=values, request=request)
        return Response(rs.InstitutionSerializer(institution).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class InstitutionDetail(LedgerView):
    locked_field = "since"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.institution = self.find(request, _institutions(self.base), kwargs["pk"],
                                     "institution")

    @extend_schema(summary="One institution", parameters=[CODE, INSTITUTION_ID],
                   responses={200: rs.InstitutionSerializer, **READ})
    def get(self, request: Request, code: str, pk: str) -> Response:
        return Response(rs.InstitutionSerializer(self.institution).data)

    @extend_schema(summary="Change an institution (the fields sent)",
                   parameters=[CODE, INSTITUTION_ID],
                   request=rs.InstitutionWriteSerializer(partial=True),
                   responses={200: rs.InstitutionSerializer, **WRITE})
    def patch(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        data = self.validated(rs.InstitutionWriteSerializer, request.data, partial=True)
        institution = services.update_institution(
            institution=self.institution, actor=request.user,
            data=institution_input(data, self.institution), request=request)
        return Response(rs.InstitutionSerializer(institution).data)

    @extend_schema(summary="Delete an institution no activity names",
                   parameters=[CODE, INSTITUTION_ID], responses={204: None, **WRITE})
    def delete(self, request: Request, code: str, pk: str) -> Response:
        self.require_writer(request)
        services.delete_institution(institution=self.institution, actor=request.user,
                                    request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

