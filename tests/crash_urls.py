"""A test-only URLconf: the portal's URLs plus two views that crash after writing, one page
and one under /api/ (tests override ROOT_URLCONF with this module)."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from bases.models import City
from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns

CRASHED_CITY = "崩溃市"


class Crash(RuntimeError):
    pass


@login_not_required
def crash(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        City.objects.create(name=CRASHED_CITY)  # rolled back with the request
        raise Crash("boom")


urlpatterns = [
    path("crash/", crash),
    path("api/v1/crash/", crash),
    *portal_urlpatterns,
]
