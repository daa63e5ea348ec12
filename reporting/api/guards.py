"""What stands between a hostile request and the API views (set in REST_FRAMEWORK settings).

- `BoundedJSONParser`: refuses JSON nested deeper than MAX_JSON_DEPTH before parsing it, so
  a body of 2,000 nested brackets is a 400, not a RecursionError (a 500).
- `ThrottledTokenAuthentication`: a bad token counts against the anonymous throttle, so a
  token guesser gets 429 after the anonymous rate, not 401 forever.
- `exception_handler`: DRF's, plus an audit record for every 403 not recorded yet (a
  refusal inside the caller's scope, like the audited 404 outside it; the report policy
  records its own role refusals as `role_denied`). Exceptions DRF does not know stay
  unhandled and reach portal.middleware.ServerErrorMiddleware: a JSON 500, audited.
- `PlainMetadata`: OPTIONS answers what the endpoint renders and parses; DRF's default would
  build a form of each serializer and fails on views without one.
- `JsonErrorsMixin`: the schema and Swagger UI views answer errors and OPTIONS in JSON too.

Models and rest_framework.views are imported inside functions: DRF imports these classes
from its settings while Django may still be loading the apps, and while rest_framework.views
is itself being imported.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

MAX_JSON_DEPTH = 32
# The largest honest body (a report with a 2,000-character comment on every figure and an
# explanation for every check) is under 1 MB; Django's DATA_UPLOAD_MAX_MEMORY_SIZE (10 MB,
# for workbook uploads) does not bound what DRF reads.
MAX_JSON_BYTES = 1024 * 1024
# Strings first (brackets in them do not nest); an unterminated one runs to the end, which
# keeps the scan linear whatever the quotes.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays and objects nest deeper than `limit` (unbalanced brackets are the
    JSON parser's to report)."""
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "请求内容过大"
    default_code = "payload_too_large"


class BoundedJSONParser(JSONParser):
    """Bounds the body's size, then its nesting, before json.loads recurses into it."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read(MAX_JSON_BYTES + 1)
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(f"请求内容过大：最多 {MAX_JSON_BYTES // 1024} KB")
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError(f"请求内容不是有效的 {encoding} 编码") from None
        if json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise exceptions.ParseError(f"JSON 嵌套层数过多：最多 {MAX_JSON_DEPTH} 层")
        return super().parse(io.BytesIO(body), media_type, parser_context)


class FailedAuthenticationThrottle(AnonRateThrottle):
    """The anonymous throttle's counter (same cache key), for requests whose credentials
    failed: they are anonymous callers, whatever header they sent."""

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle = FailedAuthenticationThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait()) from None
            raise


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    request = context["request"]
    if response is not None and response.status_code == 403:
        from bases.audit import record, refusal_recorded

        if refusal_recorded(request):
            return response  # the policy recorded its refusal (role_denied) already
        record(request, "permission_denied", object_repr=f"{request.method} {request.path}",
               outcome="denied", detail=str(response.data.get("detail", "")))
    return response


class PlainMetadata(SimpleMetadata):
    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        return {"name": view.get_view_name(),
                "renders": [renderer.media_type for renderer in view.renderer_classes],
                "parses": [parser.media_type for parser in view.parser_classes]}


class JsonErrorsMixin:
    """Errors (and OPTIONS) in JSON, whatever the view renders when it succeeds (the
    schema's YAML, the Swagger UI's HTML page)."""

    def finalize_response(self, request: Request, response: Any, *args: Any,
                          **kwargs: Any) -> Any:
        if getattr(response, "exception", False) or request.method == "OPTIONS":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
