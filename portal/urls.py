from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("accounts/", include("bases.account_urls")),
    path("notices/", include("bases.notices.urls")),
    path("", include("bases.urls")),
    path("", include("reporting.urls")),
    path("statistics/", include("reporting.statistics.urls")),
    path("api/", include("reporting.api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
