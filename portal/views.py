from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bases.models import Role


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


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
