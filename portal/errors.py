"""Errors answered outside the views: JSON under /api/, the audit record of a crash.

The API's clients read JSON, so every error under /api/ is JSON ({"detail": …}) whether
DRF, a Django error handler or the crash middleware answers it; pages keep their templates.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger("portal.errors")

API_PREFIX = "/api/"
#: Marks a request whose crash is already in the audit log (the middleware's, then
#: handler500 for crashes outside the view).
RECORDED = "_portal_server_error_recorded"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def record_server_error(request: HttpRequest, exception: BaseException | None) -> None:
    """Audit a crashed request (`server_error`, the method and path), never raising.

    Requests do not run in one transaction (no ATOMIC_REQUESTS): by the time the exception
    reaches the middleware every atomic block of the view has rolled back, and this record
    commits on its own. Outside any transaction a connection that broke with the request is
    dropped and the record written on a new one.
    """
    if getattr(request, RECORDED, False):
        return
    setattr(request, RECORDED, True)
    from bases.audit import record

    detail = type(exception).__name__ if exception is not None else ""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                record(request, "server_error", outcome="failure", detail=detail,
                       object_repr=f"{request.method} {request.path}")
            return
        except Exception:  # the audit must never hide the crash it records
            if attempt == 1 and not connection.in_atomic_block:
                connection.close()
                continue
            logger.exception("未能写入 server_error 审计记录：%s", request.path)
            return
