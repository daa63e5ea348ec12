"""API tokens in the Django admin: the province admin may list and revoke them, nobody else.

DRF registers its own TokenProxy admin (every staff user with model permissions, keys shown in
clear). It is replaced here by a role-based one that never shows a key, cannot create or edit
tokens (tokens are issued by `manage.py create_api_token`), and audits every revocation.
Imported by reporting.api.urls, which portal.urls includes before `admin.site.urls`.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from bases.admin import RoleAdminMixin
from bases.audit import record
from bases.models import Role


class ApiTokenAdmin(RoleAdminMixin, TokenAdmin):
    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("user", "role", "created")
    list_filter = ("created", "user__role")
    fields = ("user", "created")
    readonly_fields = ("user", "created")
    list_select_related = ("user",)

    @admin.display(description="角色")
    def role(self, token: TokenProxy) -> str:
        return token.user.get_role_display()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def delete_model(self, request: HttpRequest, obj: TokenProxy) -> None:
        record(request, "token_revoked", object_repr=f"user:{obj.user.get_username()}")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for token in queryset.select_related("user"):
            record(request, "token_revoked", object_repr=f"user:{token.user.get_username()}")
        super().delete_queryset(request, queryset)


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, ApiTokenAdmin)
