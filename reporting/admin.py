from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from bases.admin import RoleAdminMixin
from bases.models import Role
from reporting.filing import rounds
from reporting.filing.forms import review_levels_field
from reporting.filing.policy import WorkflowError
from reporting.models import ExportJob, Extension, Report, Round


class RoundAdminForm(forms.ModelForm):
    review_levels = review_levels_field()

    class Meta:
        model = Round
        fields = ["year", "opens_on", "deadline", "review_levels", "city_review_deadline"]

    def clean(self) -> dict:
        # The service refuses it too (under the round's lock); here it is a field error.
        cleaned = super().clean()
        if (self.instance.pk is not None and "review_levels" in self.changed_data
                and rounds.city_reviewed(self.instance)):
            self.add_error("review_levels", rounds.MODE_LOCKED_MESSAGE)
        return cleaned


@admin.register(Round)
class RoundAdmin(RoleAdminMixin, admin.ModelAdmin):
    """The form runs Round.clean (year range, dates' order, one round a year); the writes go
    through reporting.filing.rounds, like the pages' and the API's, and are audited there."""

    form = RoundAdminForm
    list_display = ("year", "opens_on", "deadline", "review_levels", "city_review_deadline",
                    "closed_at")
    readonly_fields = ("closed_at", "opened_by")
    roles = (Role.PROVINCE,)
    actions = ("close_rounds", "reopen_rounds")

    def get_readonly_fields(self, request: HttpRequest, obj: Round | None = None):
        # The year names the reports filed in the round: it is fixed once opened.
        return (*self.readonly_fields, "year") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Round, form, change: bool) -> None:
        if change:
            saved = rounds.reschedule_round(round_=obj, opens_on=obj.opens_on,
                                            deadline=obj.deadline, actor=request.user,
                                            review_levels=obj.review_levels,
                                            city_review_deadline=obj.city_review_deadline,
                                            request=request)
        else:
            saved = rounds.open_round(year=obj.year, opens_on=obj.opens_on,
                                      deadline=obj.deadline, actor=request.user,
                                      review_levels=obj.review_levels,
                                      city_review_deadline=obj.city_review_deadline,
                                      request=request)
        obj.pk, obj.opened_by, obj.closed_at = saved.pk, saved.opened_by, saved.closed_at
        obj.city_review_deadline = saved.city_review_deadline

    def _each(self, request: HttpRequest, queryset, service, done: str) -> None:
        for round_ in queryset:
            try:
                service(round_=round_, actor=request.user, request=request)
            except WorkflowError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, done.format(year=round_.year))

    @admin.action(description="关闭所选报送轮次")
    def close_rounds(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, rounds.close_round, "{year}年度报送已关闭。")

    @admin.action(description="重新开启所选报送轮次")
    def reopen_rounds(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, rounds.reopen_round, "{year}年度报送已重新开启。")


@admin.register(Extension)
class ExtensionAdmin(RoleAdminMixin, admin.ModelAdmin):
    """The form runs Extension.clean; the write is reporting.filing.rounds.grant_extension."""

    roles = (Role.PROVINCE,)
    list_display = ("round", "base", "deadline", "note")
    list_select_related = ("round", "base")
    readonly_fields = ("granted_by",)

    def get_readonly_fields(self, request: HttpRequest, obj: Extension | None = None):
        return (*self.readonly_fields, "round", "base") if obj is not None \
            else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Extension, form, change: bool) -> None:
        saved = rounds.grant_extension(round_=obj.round, base=obj.base, deadline=obj.deadline,
                                       note=obj.note, actor=request.user, request=request)
        obj.pk, obj.granted_by = saved.pk, saved.granted_by


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
    """Read-only: jobs are made and run by reporting/workbook/exports.py; the files are not
    served here."""

    roles = (Role.PROVINCE,)
    read_only = True
    list_display = ("created_at", "requested_by", "kind", "year", "scope", "state", "rows_done",
                    "rows_total", "finished_at")
    list_filter = ("state", "kind", "year", "scope")
    list_select_related = ("requested_by",)
