"""The portal's admin site: Django's, with outsiders answered 404 and one login page.

Django's site sends an authenticated user without admin rights to its own login form; here
that is an audited 404, as everywhere else in the portal (bases/access.py), and the admin's
login and password pages hand over to the portal's, which carry the lockout, the second
factor, the password rules and the audit records.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from bases.access import outside_scope


class PortalAdminSite(AdminSite):
    site_header = "湖南省创业创新基地信息报送平台 · 管理后台"
    site_title = "湖南省创业创新基地信息报送平台"
    index_title = "系统管理"

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise outside_scope(request, request.path)
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
        if not self.has_permission(request):
            raise outside_scope(request, request.path)
        return redirect("admin:index")

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("password_change")
