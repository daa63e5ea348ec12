"""The message centre (站内消息): everyone sees only their own notices (others' are 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from bases.audit import record
from bases.notices import services
from bases.notices.forms import NoticeSettingsForm
from bases.notices.models import Notice


def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.filter(recipient=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page, "unread_only": unread_only})


def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the page a notice is about, marking it read."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, notice_id=notice.pk)
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("notices:list")


@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    services.mark_read(user=request.user, notice_id=notice.pk)
    return redirect("notices:list")


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(user=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读")
    return redirect("notices:list")


@require_http_methods(["GET", "POST"])
def notice_settings(request: HttpRequest) -> HttpResponse:
    form = NoticeSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            services.set_preferences(user=request.user, choices=form.choices())
            record(request, "notice_settings_changed", object_repr=f"user:{request.user.username}",
                   detail=f"fields={','.join(form.changed_data)}")
        messages.success(request, "通知设置已保存")
        return redirect("notices:settings")
    return render(request, "notices/settings.html", {"form": form}, status=400 if form.errors
                  else 200)
