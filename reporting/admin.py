from django.contrib import admin

from bases.admin import RoleAdminMixin
from bases.models import Role
from reporting.models import ExportJob, Extension, Report, Round


@admin.register(Round)
class RoundAdmin(RoleAdminMixin, admin.ModelAdmin):
    roles = (Role.PROVINCE,)
    list_display = ("year", "opens_on", "deadline", "closed_at")


@admin.register(Extension)
class ExtensionAdmin(RoleAdminMixin, admin.ModelAdmin):
    roles = (Role.PROVINCE,)
    list_display = ("round", "base", "deadline", "note")
    list_select_related = ("round", "base")


@admin.register(Report)
class ReportAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Read-only: reports change only through the workflow services."""

    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("base", "year", "status", "version", "submitted_at", "approved_at")
    list_filter = ("year", "status", "base__city")
    search_fields = ("base__code", "base__name")
    list_select_related = ("base",)
    show_full_result_count = False


@admin.register(ExportJob)
class ExportJobAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Read-only: jobs are made and run by reporting/exports.py; the files are not served here."""

    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("created_at", "requested_by", "year", "scope", "state", "rows_done",
                    "rows_total", "finished_at")
    list_filter = ("state", "year", "scope")
    list_select_related = ("requested_by",)
