import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_cache_control

from portal.errors import is_api, json_error, record_server_error

#: What Django itself answers with a 4xx (django.core.handlers.exception): not crashes.
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation,
                 MultiPartParserError)

Handler = Callable[[HttpRequest], HttpResponse]
request_logger = logging.getLogger("django.request")


class ContentSecurityPolicyMiddleware:
    """Only the portal's own assets may load (Django 5.2 has no CSP support of its own)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class NoStoreMiddleware:
    """Every page and API answer is one account's view of report data (or a form of it): no
    browser, shared computer or proxy may keep a copy. Static files are served before this
    (WhiteNoise) and keep their long cache."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response


class ServerErrorMiddleware:
    """A view that crashes leaves a `server_error` audit record; under /api/ it answers
    {"detail": "服务器内部错误"} (500, JSON, logged like Django's own 500s), never the HTML
    error page. Pages fall through to Django's handling (logging, then handler500)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CLIENT_ERRORS):
            return None
        record_server_error(request, exception)
        if not is_api(request):
            return None
        request_logger.error("Internal Server Error: %s", request.path, exc_info=exception,
                             extra={"status_code": 500, "request": request})
        response = json_error("服务器内部错误", 500)
        response._has_been_logged = True  # with its traceback, above: not again without
        return response
