from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from portal import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's, error pages).
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("favicon.svg"),
                                                                permanent=True))),
    path("", views.home, name="home"),
    path("accounts/", include("bases.account_urls")),
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
