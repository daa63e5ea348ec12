"""A test-only URLconf: the portal's URLs plus two views that crash after writing, a page
and an API view (tests override ROOT_URLCONF with this module)."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from bases.models import City
from portal.urls import *  # noqa: F403  (the error handlers: handler404, handler500, …)
from portal.urls import urlpatterns as portal_urlpatterns
from reporting.api.urls import api_path
from reporting.api.views import ApiView

CRASHED_CITY = "崩溃市"


class Crash(RuntimeError):
    pass


def write_then_crash() -> None:
    with transaction.atomic():
        City.objects.create(name=CRASHED_CITY)  # rolled back with the request
        raise Crash("boom")


@login_not_required
def crash(request: HttpRequest) -> HttpResponse:
    write_then_crash()
    return HttpResponse()


class CrashingApiView(ApiView):
    def get(self, request: Request) -> Response:
        write_then_crash()
        return Response()


urlpatterns = [
    path("crash/", crash),
    api_path("api/v1/crash/", CrashingApiView, "api-crash"),
    *portal_urlpatterns,
]
