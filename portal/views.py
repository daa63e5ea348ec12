from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bases.audit import record, refusal_recorded
from bases.models import Role
from portal.errors import is_api, json_error, record_server_error


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's, error
    pages). The static URL is looked up per request: production's manifest exists only
    after collectstatic."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


HOME_BY_ROLE = {
    Role.CITY: "bases:list",
    Role.CITY_REVIEWER: "reporting:city_queue",
    Role.PROVINCE: "reporting:overview",
    Role.SECURITY: "admin:index",
    Role.AUDIT: "bases:audit_log",
}


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.OFFICER:
        if user.base_id is None:
            return render(request, "bases/no_base.html")
        return redirect("bases:detail", code=user.base.code)
    return redirect(HOME_BY_ROLE[user.role])


# Django's error handlers (portal.urls): JSON under /api/, the templates elsewhere.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return json_error("请求无效", 400)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A refusal inside the caller's scope: audited like the 404s outside it, unless the
    code that refused recorded it already (the report policy's role_denied)."""
    if not refusal_recorded(request):
        record(request, "permission_denied", object_repr=f"{request.method} {request.path}",
               outcome="denied", detail=str(exception or ""))
    if is_api(request):
        return json_error(str(exception or "") or "您没有执行该操作的权限", 403)
    return render(request, "403.html", {"exception": str(exception or "")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return json_error("页面不存在", 404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A crash in a view is recorded by ServerErrorMiddleware; this records crashes outside
    # views (in a middleware) once.
    record_server_error(request, None)
    if is_api(request):
        return json_error("服务器内部错误", 500)
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    record(request, "csrf_denied", object_repr=f"{request.method} {request.path}",
           outcome="denied", detail=reason)
    if is_api(request):
        return json_error("CSRF 校验失败，请刷新页面后重试", 403)
    return render(request, "403_csrf.html", status=403)
