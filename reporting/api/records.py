"""What the API views of a base's own records (the ledger, the roster) share.

- Scope: the base through `bases.access.get_record_base` (the officer's own base, the city
  viewer's city, the province: every base; a platform account 平台对接: its own base and
  nothing else, not even through the other endpoints, whose roles leave it out). Outside it:
  the audited 404, whatever the method; an object of another base is outside it too.
- Writes: the base's officer and its platform account (`bases.access.writes_records`, the
  same rule as the services'); a reader who sees the base gets 403, as on the reports.
- Refusals: 400 `{"detail", "errors": {field: [...]}}` (a body that does not type-check, or a
  service's refusal); a locked year adds `"code": "locked"`. Nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bases.access import get_record_base, outside_scope, writes_records
from bases.ledger.services import LedgerRefused, YearLocked
from bases.models import CITY_ROLES, Base, Role
from reporting.api import record_serializers as rs
from reporting.api.serializers import NON_FIELD
from reporting.api.views import E401, E403, E404, E415, MAX_ID, PagedApiView

RECORD_ROLES = (Role.OFFICER, *CITY_ROLES, Role.PROVINCE, Role.PLATFORM)
WRITE_MESSAGE = "只有本基地的信息管理员或本基地的服务平台可以修改台帐和名册"

CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="base code (A001)")
E400 = OpenApiResponse(rs.RecordErrorSerializer, description="refused, naming the field; "
                                                             "nothing was saved")
READ = {401: E401, 404: E404}
WRITE = {400: E400, 403: E403, 415: E415, **READ}


def object_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=what)


class RecordsView(PagedApiView):
    """A view under /api/v1/bases/{code}/: the base is in scope before anything else."""

    roles = RECORD_ROLES
    base: Base
    #: The field a locked-year refusal is reported under.
    locked_field = NON_FIELD

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.base = get_record_base(request, kwargs["code"])

    def require_writer(self, request: Request) -> None:
        if not writes_records(request.user, self.base):
            raise PermissionDenied(WRITE_MESSAGE)

    def find(self, request: Request, queryset: QuerySet, pk: str, what: str) -> Model:
        """The base's object `pk`, or the audited 404 (another base's object included)."""
        found = None
        if pk.isascii() and pk.isdigit() and int(pk) <= MAX_ID:
            found = queryset.filter(pk=int(pk)).first()
        if found is None:
            raise outside_scope(request, f"{what}:{pk[:40]}@{self.base.code}")
        return found

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ValidationError):
            detail = exc.detail
            errors = detail if isinstance(detail, dict) else {NON_FIELD: detail}
            return Response({"detail": "请求内容有误，未保存", "errors": errors},
                            status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, YearLocked):
            return Response({"detail": str(exc), "code": "locked",
                             "errors": {self.locked_field: [exc.message]}},
                            status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, LedgerRefused):
            return Response({"detail": str(exc), "errors": {exc.field or NON_FIELD: [exc.message]}},
                            status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, DjangoValidationError):
            return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


def django_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """A service's ValidationError (the roster's) as the API's 400 body."""
    errors = (exc.message_dict if hasattr(exc, "error_dict")
              else {NON_FIELD: exc.messages})
    return {"detail": "；".join(exc.messages), "errors": errors}
