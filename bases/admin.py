"""The Django admin is the province's and the security admin's workbench.

Access follows roles, not Django permissions, so separation of duties holds for
superusers too: the security admin manages accounts only, the province admin everything
about bases and reports, and nobody edits the audit log.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django_otp.plugins.otp_totp.models import TOTPDevice
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import XLSX
from import_export.forms import ImportForm

from bases import services
from bases.audit import record
from bases.forms import AccountChangeForm, AccountCreationForm
from bases.models import Base, City, Handover, Role, User
from portal.uploads import UploadRefused, check_upload, column_letters


class RoleAdminMixin:
    """Grant every admin permission to the listed roles only."""

    roles: tuple[str, ...] = ()
    read_only = False

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.role in self.roles

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._allowed(request) and not self.read_only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request) and not self.read_only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class BaseResource(resources.ModelResource):
    """The registry as the `bases` sheet of the data workbook: code, name, city, county, batch."""

    city = fields.Field(attribute="city", column_name="city",
                        widget=widgets.ForeignKeyWidget(City, field="name"))
    batch = fields.Field(attribute="batch", column_name="batch",
                         widget=widgets.IntegerWidget(coerce_to_string=False))

    class Meta:
        model = Base
        fields = ("code", "name", "city", "county", "batch")
        export_order = ("code", "name", "city", "county", "batch")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True


def guard_base_workbook(upload, request: HttpRequest | None) -> None:
    """The upload guard for the base registry import: the same limits as every workbook
    upload, and the cells tablib would read as empty (formulas without a value, errors)
    refused too. A refusal is audited and raises UploadRefused."""
    try:
        scan = check_upload(upload)
        notes = [f"工作表“{sheet.name}”{column_letters(note.column)}{note.row}：{note.message}"
                 for sheet in scan.sheets for note in sheet.notes]
        if notes:
            raise UploadRefused("；".join(notes[:10]))
    except UploadRefused as exc:
        name = getattr(upload, "name", "") or "workbook"
        record(request, "import_bases", object_repr=f"workbook:{name}"[:200],
               outcome="rejected", detail=str(exc)[:500])
        raise


class BaseImportForm(ImportForm):
    """The admin's import form: the file passes the upload guard before anything reads it."""

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            guard_base_workbook(upload, self.request)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


@admin.register(Base)
class BaseAdmin(RoleAdminMixin, ImportExportModelAdmin):
    roles = (Role.PROVINCE,)
    resource_classes = [BaseResource]
    formats = [XLSX]
    import_form_class = BaseImportForm
    list_display = ("code", "name", "city", "county", "batch", "status")
    list_filter = ("city", "batch", "status")
    search_fields = ("code", "name")
    list_select_related = ("city",)
    show_full_result_count = False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def get_import_form_kwargs(self, request: HttpRequest) -> dict:
        return {**super().get_import_form_kwargs(request), "request": request}

    def process_import(self, request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            return super().process_import(request, **kwargs)
        except UploadRefused as exc:  # the stored file fails the guard (admin_xlsx): no 500
            messages.error(request, str(exc))
            return redirect("admin:bases_base_import")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)


@admin.register(City)
class CityAdmin(RoleAdminMixin, admin.ModelAdmin):
    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("name", "sort_order")


@admin.register(Handover)
class HandoverAdmin(RoleAdminMixin, admin.ModelAdmin):
    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("at", "base", "from_user", "to_user", "by", "note")
    list_select_related = ("base", "from_user", "to_user", "by")


class AccountPasswordForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        # MLPS: a password someone else set is changed by its owner at the next login.
        self.user.must_change_password = True
        return super().save(commit)


@admin.register(User)
class AccountAdmin(RoleAdminMixin, UserAdmin):
    roles = (Role.SECURITY,)
    form = AccountChangeForm
    add_form = AccountCreationForm
    change_password_form = AccountPasswordForm
    list_display = ("username", "get_full_name", "role", "base", "city", "is_active",
                    "last_login")
    list_filter = ("role", "is_active", "city")
    list_select_related = ("base", "city")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("last_name", "first_name", "email", "mobile")}),
        ("角色与范围", {"fields": ("role", "base", "city", "is_active",
                                 "must_change_password")}),
        ("时间", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "password1", "password2", "role", "base", "city")}),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class on every call
        form.request = request
        return form

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change:
            # MLPS: the security admin chose this password; its owner changes it first.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)
        if change and not obj.is_active:
            services.end_sessions(obj)
        record(request, "account_changed" if change else "account_created",
               object_repr=f"user:{obj.username}",
               detail=f"role={obj.role} active={obj.is_active} "
                      f"fields={','.join(form.changed_data)}")
        services.note_role_grant(user=obj, previous_role=form.initial.get("role") if change
                                 else None, request=request)

    def user_change_password(self, request: HttpRequest, id: str,
                             form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        # Saved: Django redirects to the account page (a conflict redirects to this page).
        if request.method == "POST" and response.status_code == 302 \
                and response.url != request.get_full_path():
            username = User.objects.filter(pk=unquote(id)).values_list("username", flat=True)
            record(request, "password_reset", object_repr=f"user:{username.first()}",
                   detail="安全管理员设置密码，下次登录须修改")
        return response


@admin.register(AccessAttempt)
class LockoutAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Locked usernames; deleting the record unlocks the account (recorded in the audit log)."""

    roles = (Role.SECURITY,)
    read_only = True
    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username",)
    actions = ["unlock"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="解锁所选账号")
    def unlock(self, request: HttpRequest, queryset) -> None:
        for attempt in queryset:
            self.delete_model(request, attempt)

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        record(request, "account_unlocked", object_repr=f"user:{obj.username}")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for attempt in queryset:
            self.delete_model(request, attempt)


class SecondFactorAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Second-factor devices: who has one and when it was last used, never the key or its QR
    code (django-otp's own admin shows both). The security admin's only action is the
    audited reset: the devices are deleted and the user enrols again at the next login."""

    roles = (Role.SECURITY,)
    read_only = True
    list_display = ("user", "name", "confirmed", "last_used_at")
    list_display_links = None
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    actions = ["reset_second_factor"]

    def get_urls(self):
        # The list only: no add, change, delete, history or QR-code pages.
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    @admin.action(description="重置所选用户的两步验证（下次登录须重新绑定）")
    def reset_second_factor(self, request: HttpRequest, queryset) -> None:
        users = User.objects.filter(pk__in=queryset.values("user_id")).order_by("username")
        for user in users:
            try:
                services.reset_second_factor(user=user, actor=request.user, request=request)
            except services.AccountError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"已重置 {user.username} 的两步验证。")


class AccountGroupAdmin(RoleAdminMixin, GroupAdmin):
    """Groups grant nothing here (roles decide access), so the security admin may only look."""

    roles = (Role.SECURITY,)
    read_only = True


# Replace the registrations of django-otp and django.contrib.auth (earlier in INSTALLED_APPS).
for model, model_admin in ((TOTPDevice, SecondFactorAdmin), (Group, AccountGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
