"""The web API (/api/v1/…): small DRF views over the same scope rules and services as the pages.

- Scope: reports through `reports_for`, bases through `bases_for`; anything outside the
  caller's scope answers 404 to every method (and is audited as `scope_denied`). Security and
  audit admins read no report data: every endpoint answers them 404.
- Who may do what to a report is `reporting.filing.policy`'s answer, asked at the top of each
  endpoint (before its body is read): a report the caller can see but whose role never does
  this answers 403 (a city viewer or the province admin patching, an officer approving), a
  state that forbids it 409 (a closed round, an approved report).
- Every write goes through `reporting.filing.services`; its exceptions map to HTTP here, once:
  StaleVersion → 409 {"code": "stale_version", "current_version"}, WorkflowError → 409,
  CheckFailed → 400 {"errors": {code: [...]}} or {"warnings": [{check, field, message}]}.
- Token authentication first (a bad token answers 401, and counts against the anonymous
  throttle: 429 once that is spent), then the browser session (with CSRF enforced on unsafe
  methods by DRF's SessionAuthentication).
- Bodies, refusals, OPTIONS and crashes: see reporting/api/guards.py.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from bases.access import bases_for, get_base, outside_scope
from bases.middleware import second_factor_required
from bases.models import Role
from reporting import indicators
from reporting.api import serializers as s
from reporting.api.guards import BoundedJSONParser, PlainMetadata, ThrottledTokenAuthentication
from reporting.filing import policy, rounds, services
from reporting.filing.completeness import completeness
from reporting.filing.filters import ReportFilter
from reporting.filing.policy import Target
from reporting.filing.selectors import reports_for
from reporting.models import Report, Round
from reporting.statistics.annexes import (
    RANKINGS,
    Annex,
    Annexes,
    Cell,
)
from reporting.statistics.cache import compute_annexes, compute_rankings

READERS = (Role.OFFICER, Role.CITY, Role.CITY_REVIEWER, Role.PROVINCE)
REVIEWERS = (Role.PROVINCE,)
MAX_ID = 2**63 - 1

# Error responses, shared by the operations' schemas.
E401 = OpenApiResponse(s.ErrorSerializer, description="not signed in, or a bad token")
E403 = OpenApiResponse(s.ErrorSerializer, description="visible, but your role may not do this "
                                                      "(or a missing CSRF token)")
E404 = OpenApiResponse(s.ErrorSerializer, description="does not exist or is outside your scope")
E409 = OpenApiResponse(s.ConflictSerializer, description=(
    "the report's state forbids this (`workflow`), it changed since you read it "
    "(`stale_version`, with `current_version`), or it exists already (`duplicate`)"))
E415 = OpenApiResponse(s.ErrorSerializer, description="the body must be application/json")
READ_ERRORS = {401: E401, 404: E404}
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="report id")
CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="base code (A001)")


def deny(request: Request, what: str) -> Http404:
    """The audited 404 of anything outside the caller's scope."""
    return outside_scope(request, what)


class ApiSchema(AutoSchema):
    """Operations grouped by the view's `tag` (catalog, bases, reports, workflow, …)."""

    def get_tags(self) -> list[str]:
        return [getattr(self.view, "tag", "api")]

    def _get_request_for_media_type(self, serializer, direction="request"):
        # drf-spectacular documents every PATCH body as partial (all fields optional); ours
        # are validated whole (a PATCH needs its `version`), so document them as such.
        if self.method != "PATCH":
            return super()._get_request_for_media_type(serializer, direction)
        self.method = "PUT"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = "PATCH"


class ApiView(GenericAPIView):
    schema = ApiSchema()
    tag = "api"
    authentication_classes = [ThrottledTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    metadata_class = PlainMetadata
    pagination_class = None
    #: Roles that may use this endpoint at all; others get the audited 404.
    roles: tuple[str, ...] = READERS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The API views are exempt from the login middlewares (they answer 401, not a login
        # redirect), so a browser session's second factor is checked here: a password alone
        # must not open through /api/ what the pages keep behind 2FA. Tokens are issued by
        # an admin to a named account (create_api_token) and stand on their own.
        if (isinstance(request.successful_authenticator, SessionAuthentication)
                and second_factor_required(request._request)
                and not request.user.is_verified()):
            raise PermissionDenied("请先在网页上完成两步验证，再使用接口。")
        if request.user.role not in self.roles:
            raise deny(request, request.path)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.StaleVersion):
            return Response({"detail": str(exc), "code": "stale_version",
                             "current_version": exc.current}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, services.CheckFailed):
            body: dict[str, Any] = {"detail": str(exc)}
            if exc.errors:
                body["errors"] = exc.errors
            else:
                body["warnings"] = [{"check": f.check, "kind": f.kind, "field": f.field,
                                     "message": f.message} for f in exc.missing]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, services.WorkflowError):
            return Response({"detail": str(exc), "code": "workflow"},
                            status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def require(self, request: Request, roles: tuple[str, ...], message: str) -> None:
        """403 for a caller who may see the object but not act on it."""
        if request.user.role not in roles:
            raise PermissionDenied(message)

    @staticmethod
    def validated(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def query(request: Request, serializer_class: type) -> dict[str, Any]:
        params = {key: value for key, value in request.query_params.items() if key != "page"}
        serializer = serializer_class(data=params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class StrictPageNumberPagination(PageNumberPagination):
    """`page` is a number: anything else (even empty) is the 404 of a page that is not there."""

    def get_page_number(self, request: Request, paginator) -> str:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise NotFound(self.invalid_page_message.format(page_number=raw[:20], message=""))
        return super().get_page_number(request, paginator)


class PagedApiView(ApiView):
    pagination_class = StrictPageNumberPagination


class ReportObjectView(ApiView):
    """A view of one report: the scope is checked before anything else, whatever the method,
    so a report outside the caller's scope answers 404 even to an unsupported method."""

    report: Report

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.report = get_report(request, kwargs["pk"])

    def allow(self, request: Request, decide) -> None:
        """The policy's answer for this report: 404, 403 or 409 (PolicyDenied) if refused."""
        policy.enforce(request, decide(request.user, Target.of(self.report)),
                       f"report:{self.report.pk}")


def get_report(request: Request, pk: str) -> Report:
    """The report `pk` if the caller may read it; the audited 404 otherwise."""
    report = None
    if pk.isascii() and pk.isdigit() and int(pk) <= MAX_ID:
        report = (reports_for(request.user).filter(pk=int(pk))
                  .prefetch_related("values").first())
    if report is None:
        raise deny(request, f"report:{pk}")
    return report


def fresh(report: Report) -> Report:
    return (Report.objects.select_related("base__city").prefetch_related("values")
            .get(pk=report.pk))


def report_response(report: Report, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.ReportDetailSerializer(fresh(report)).data, status=code)


# ---------------------------------------------------------------------------------------
# Catalog, bases, rounds
# ---------------------------------------------------------------------------------------


class IndicatorList(ApiView):
    tag = "catalog"
    @extend_schema(summary="The indicator catalog", responses={
        200: s.IndicatorSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(s.IndicatorSerializer(indicators.CATALOG, many=True).data)


class BaseList(PagedApiView):
    tag = "bases"
    @extend_schema(summary="Bases in your scope", responses={
        200: s.BaseSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(bases_for(request.user).order_by("code"))
        return self.get_paginated_response(s.BaseSerializer(page, many=True).data)


class BaseDetail(ApiView):
    tag = "bases"
    serializer_class = s.BaseSerializer  # lets the schema type the {code} parameter

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.base = get_base(request, kwargs["code"])

    @extend_schema(summary="One base", parameters=[CODE],
                   responses={200: s.BaseSerializer, **READ_ERRORS})
    def get(self, request: Request, code: str) -> Response:
        return Response(s.BaseSerializer(self.base).data)


class RoundList(ApiView):
    tag = "rounds"
    @extend_schema(summary="Reporting rounds", responses={
        200: s.RoundSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        rounds = Round.objects.select_related("opened_by")
        return Response(s.RoundSerializer(rounds, many=True).data)

    @extend_schema(summary="Open a round (province admin)", request=s.RoundSerializer,
                   responses={201: s.RoundSerializer, 400: s.RoundError, 403: E403,
                              415: E415, **READ_ERRORS})
    def post(self, request: Request) -> Response:
        policy.enforce(request, policy.may_manage_rounds(request.user), "rounds")
        data = self.validated(s.RoundSerializer, request.data)
        try:
            round_ = rounds.open_round(year=data["year"], opens_on=data["opens_on"],
                                       deadline=data["deadline"], actor=request.user,
                                       review_levels=data["review_levels"],
                                       city_review_deadline=data["city_review_deadline"],
                                       request=request)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(s.RoundSerializer(round_).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------


class ReportList(PagedApiView):
    tag = "reports"
    # The review queue's filter: the schema's query parameters and the 400s come from it.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter
    queryset = Report.objects.none()  # the model, for the schema; get() scopes the rows

    @extend_schema(summary="Reports in your scope",
                   responses={200: s.ReportSerializer(many=True), 400: s.QueryError,
                              **READ_ERRORS})
    def get(self, request: Request) -> Response:
        reports = reports_for(request.user).prefetch_related("values")
        reports = DjangoFilterBackend().filter_queryset(request, reports, self)
        page = self.paginate_queryset(reports.order_by("base__code", "-year"))
        return self.get_paginated_response(s.ReportSerializer(page, many=True).data)

    @extend_schema(summary="Create a draft (the base's officer)",
                   request=s.ReportCreateSerializer,
                   responses={201: s.ReportDetailSerializer, 400: s.ReportWriteError,
                              403: E403, 409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request) -> Response:
        data = self.validated(s.ReportCreateSerializer, request.data)
        user = request.user
        code = data.get("base_code") or getattr(user.base, "code", "")
        if not code:
            raise ValidationError({"base_code": ["请指定基地编码"]})
        base = bases_for(user).filter(code=code).first()
        if base is None:
            raise deny(request, f"base:{code}")
        # May this caller start the base's report of the year (a duplicate is answered below).
        target = Target(base, data["year"], None, Target.round_of(data["year"]))
        policy.enforce(request, policy.may_edit(user, target), target.label)
        existing = Report.objects.filter(base=base, year=data["year"]).first()
        if existing is not None:
            return Response({"detail": f"{base.name}{data['year']}年度的报表已存在，请修改该报表",
                             "code": "duplicate", "report_id": existing.pk},
                            status=status.HTTP_409_CONFLICT)
        values = {code: v for code, v in data.get("values", {}).items() if v is not None}
        report = services.save_draft(base=base, year=data["year"], actor=user, values=values,
                                     version=None, request=request)
        return report_response(report, status.HTTP_201_CREATED)


class ReportDetail(ReportObjectView):
    tag = "reports"
    @extend_schema(summary="One report", parameters=[ID],
                   responses={200: s.ReportDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: str) -> Response:
        return Response(s.ReportDetailSerializer(self.report).data)

    @extend_schema(
        summary="Save figures into a draft or returned report",
        description="Merges `values` into the report's figures (null clears one). "
                    "`version` must be the version you read; otherwise 409 stale_version.",
        parameters=[ID], request=s.ReportUpdateSerializer,
        responses={200: s.ReportDetailSerializer, 400: s.ReportWriteError, 403: E403,
                   409: E409, 415: E415, **READ_ERRORS})
    def patch(self, request: Request, pk: str) -> Response:
        report = self.report
        self.allow(request, policy.may_edit)
        data = self.validated(s.ReportUpdateSerializer, request.data)
        services.save_draft(base=report.base, year=report.year, actor=request.user,
                            values=data.get("values", {}), version=data["version"], merge=True,
                            ledger_complete=data.get("ledger_complete"),
                            roster_complete=data.get("roster_complete"), request=request)
        return report_response(report)


class ReportSubmit(ReportObjectView):
    tag = "workflow"
    @extend_schema(
        summary="Submit for review",
        description="Runs every check. Hard errors: 400 `errors`. Soft findings without an "
                    "explanation: 400 `warnings` — resend with `explanations[check]`. "
                    "Explanations of an earlier submission stand unless replaced.",
        parameters=[ID], request=s.SubmitSerializer,
        responses={200: s.ReportDetailSerializer, 400: s.SubmitErrorSerializer, 403: E403,
                   409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        report = self.report
        self.allow(request, policy.may_submit)
        data = self.validated(s.SubmitSerializer, request.data)
        # Explanations given with an earlier submission stand unless replaced.
        explanations = {**report.explanations, **data.get("explanations", {})}
        services.submit_report(report=report, actor=request.user, version=data.get("version"),
                               explanations=explanations, request=request)
        return report_response(report)


class ReportReturn(ReportObjectView):
    tag = "workflow"
    @extend_schema(summary="Return to the officer (province admin; in a two-level round also "
                           "the city reviewer of the report's city)", parameters=[ID],
                   request=s.ReturnSerializer,
                   responses={200: s.ReportDetailSerializer, 400: s.ReturnError, 403: E403,
                              409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        report = self.report
        self.allow(request, policy.may_return)
        data = self.validated(s.ReturnSerializer, request.data)
        services.return_report(report=report, actor=request.user, version=data.get("version"),
                               comment=data.get("comment", ""),
                               field_comments=data.get("field_comments", {}), request=request)
        return report_response(report)


class ReportApprove(ReportObjectView):
    tag = "workflow"
    @extend_schema(summary="Approve and lock (province admin)", parameters=[ID],
                   request=s.ApproveSerializer,
                   responses={200: s.ReportDetailSerializer, 400: s.ApproveError, 403: E403,
                              409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        report = self.report
        # Role and scope first; whether an override is needed is decided with the body.
        self.allow(request, lambda user, target: policy.may_approve(user, target,
                                                                    override=True))
        data = self.validated(s.ApproveSerializer, request.data)
        services.approve_report(report=report, actor=request.user, version=data["version"],
                                override_reason=data.get("override_reason", ""),
                                request=request)
        return report_response(report)


class ReportCityApprove(ReportObjectView):
    tag = "workflow"
    @extend_schema(summary="Pass to the province (市州初审通过; the city reviewer of the "
                           "report's city, two-level rounds)", parameters=[ID],
                   request=s.CityApproveSerializer,
                   responses={200: s.ReportDetailSerializer, 400: s.CityApproveError,
                              403: E403, 409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        report = self.report
        self.allow(request, policy.may_city_approve)
        data = self.validated(s.CityApproveSerializer, request.data)
        services.city_approve_report(report=report, actor=request.user,
                                     version=data["version"], comment=data.get("comment", ""),
                                     request=request)
        return report_response(report)


class ReportReopen(ReportObjectView):
    tag = "workflow"
    @extend_schema(summary="Reopen an approved report (province admin)", parameters=[ID],
                   request=s.ReopenSerializer,
                   responses={200: s.ReportDetailSerializer, 400: s.ReopenError, 403: E403,
                              409: E409, 415: E415, **READ_ERRORS})
    def post(self, request: Request, pk: str) -> Response:
        report = self.report
        self.allow(request, policy.may_reopen)
        data = self.validated(s.ReopenSerializer, request.data)
        services.reopen_report(report=report, actor=request.user, reason=data["reason"],
                               version=data.get("version"), request=request)
        return report_response(report)


def _changes(old: dict[str, str], new: dict[str, str]) -> list[dict[str, Any]]:
    return [{"code": i.code, "label": i.label, "old": old.get(i.code), "new": new.get(i.code)}
            for i in indicators.CATALOG if old.get(i.code) != new.get(i.code)]


class ReportHistory(ReportObjectView):
    tag = "reports"
    @extend_schema(summary="Who moved the report when, and what changed", parameters=[ID],
                   responses={200: s.TransitionSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, pk: str) -> Response:
        report = self.report
        previous: dict[str, str] = {}
        rows = []
        for transition in report.transitions.select_related("actor").order_by("at", "id"):
            changes: list[dict[str, Any]] = []
            if transition.snapshot:
                changes = _changes(previous, transition.snapshot)
                previous = transition.snapshot
            rows.append({
                "id": transition.pk,
                "action": transition.action,
                "action_label": transition.get_action_display(),
                "from_status": transition.from_status,
                "to_status": transition.to_status,
                "actor": transition.actor.username if transition.actor else None,
                "at": transition.at,
                "comment": transition.comment,
                "field_comments": transition.field_comments,
                "explanations": transition.explanations,
                "changes": changes,
            })
        return Response(s.TransitionSerializer(rows, many=True).data)


# ---------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------


def _number(value: Any) -> str | None:
    return None if value is None else s.plain(value)


def cell_json(cell: Cell) -> dict[str, Any]:
    return {"display": cell.display, "rounded": _number(cell.rounded),
            "value": None if cell.literal is not None else _number(cell.value),
            "decimals": cell.decimals, "scale": cell.scale, "percent": cell.percent,
            "literal": cell.literal}


def annex_json(annex: Annex) -> dict[str, Any]:
    return {
        "number": annex.number,
        "title": annex.title,
        "header": [[{"text": c.text, "colspan": c.colspan, "rowspan": c.rowspan} for c in row]
                   for row in annex.header],
        "columns": list(annex.columns),
        "rows": [{"label": row.label, "code": row.code,
                  "cells": [cell_json(cell) for cell in row.cells]} for row in annex.rows],
    }


def annexes_json(annexes: Annexes) -> dict[str, Any]:
    return {"year": annexes.year, "compare_year": annexes.compare_year,
            "cohort_batch": annexes.cohort_batch, "preview": annexes.preview,
            "region": annexes.region, "n": annexes.n, "cohort_size": annexes.cohort_size,
            "annexes": {annex.sheet_name: annex_json(annex) for annex in annexes}}


class StatisticsView(ApiView):
    roles = (Role.CITY, Role.CITY_REVIEWER, Role.PROVINCE)

    def preview(self, request: Request, wanted: bool) -> bool:
        # A preview carries unapproved figures of every city: the province's alone.
        if wanted:
            self.require(request, REVIEWERS, "只有省级管理员可以预览未审核数据")
        return wanted


class AnnexesView(StatisticsView):
    tag = "statistics"
    @extend_schema(summary="The six annex tables (province admin, city viewers)",
                   parameters=[s.AnnexQuerySerializer],
                   responses={200: s.AnnexesSerializer, 400: s.QueryError, 403: E403,
                              **READ_ERRORS})
    def get(self, request: Request) -> Response:
        query = self.query(request, s.AnnexQuerySerializer)
        annexes = compute_annexes(year=query["year"], compare_year=query["compare_year"],
                                  cohort_batch=query.get("cohort_batch"),
                                  preview=self.preview(request, query["preview"]))
        return Response(s.AnnexesSerializer(annexes_json(annexes)).data)


class RankingsView(StatisticsView):
    tag = "statistics"
    @extend_schema(summary="Top-N rankings (province admin, city viewers)",
                   parameters=[s.RankingQuerySerializer],
                   responses={200: s.RankingsSerializer, 400: s.QueryError, 403: E403,
                              **READ_ERRORS})
    def get(self, request: Request) -> Response:
        query = self.query(request, s.RankingQuerySerializer)
        preview = self.preview(request, query["preview"])
        ranked = compute_rankings(year=query["year"], top=query["top"], preview=preview)
        body = {"year": query["year"], "top": query["top"], "preview": preview, "rankings": [
            {"code": d.code, "title": d.title, "unit": d.unit, "increase": d.increase,
             "rows": [{"place": r.place, "base_code": r.base_code, "base_name": r.base_name,
                       "value": str(r.value)} for r in ranked[d.code]]}
            for d in RANKINGS]}
        return Response(s.RankingsSerializer(body).data)


class CompletenessView(ApiView):
    tag = "statistics"
    roles = REVIEWERS

    @extend_schema(summary="Who has filed for a round (province admin)",
                   parameters=[s.YearQuerySerializer],
                   responses={200: s.CompletenessSerializer, 400: s.QueryError, **READ_ERRORS})
    def get(self, request: Request) -> Response:
        year = self.query(request, s.YearQuerySerializer).get("year")
        rounds = Round.objects.prefetch_related("extensions")
        round_ = rounds.filter(year=year).first() if year else rounds.first()
        if round_ is None:
            raise NotFound(f"{year}年度的报送轮次不存在" if year else "尚未开启任何报送轮次")
        year = round_.year
        summary = completeness(round_)
        body = {"year": year, "deadline": round_.deadline, "is_closed": round_.is_closed,
                "review_levels": round_.review_levels,
                "city_review_deadline": round_.city_review_deadline,
                "total": summary.total, "by_city": summary.by_city, "bases": summary.bases,
                "missing": summary.missing}
        return Response(s.CompletenessSerializer(body).data)


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer JSON, like the API itself."""
    return JsonResponse({"detail": "页面不存在"}, status=404)

