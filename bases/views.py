from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bases import services
from bases.access import bases_for, get_base, require_role
from bases.audit import CappedPaginator, audit_workbook, record
from bases.forms import AuditFilterForm, BaseListFilterForm, HandoverForm, HandoverRequestForm
from bases.hooks import base_sections
from bases.ledger.selectors import ledger_state
from bases.models import CITY_ROLES, AuditEvent, Handover, HandoverRequest, Role, User


def base_list(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = BaseListFilterForm(request.GET or None)
    bases = form.filter(bases_for(request.user)).annotate(
        officer_count=Count("officers", filter=Q(officers__is_active=True,
                                                 officers__role=Role.OFFICER))
    ).order_by("code")
    page = Paginator(bases, 50).get_page(request.GET.get("page"))
    return render(request, "bases/base_list.html", {"form": form, "page": page})


def base_detail(request: HttpRequest, code: str) -> HttpResponse:
    base = get_base(request, code)
    context = {
        "base": base,
        "officer": User.objects.filter(base=base, role=Role.OFFICER).first(),
        "sections": base_sections(request, base),
        "handovers": base.handovers.select_related("from_user", "to_user", "by"),
        "open_requests": base.handover_requests.filter(resolved=False),
        "request_form": HandoverRequestForm(),
    }
    return render(request, "bases/base_detail.html", context)


def handover(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    base = get_base(request, code)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new_officer = User.objects.filter(username=data["username"]).first()
            if new_officer is None:
                if not data["initial_password"]:
                    raise services.AccountError("新账号须设置初始密码")
                new_officer, _ = services.provision_account(
                    username=data["username"], role=Role.OFFICER,
                    password=data["initial_password"], must_change=True,
                    actor=request.user, request=request, scope_required=False)
            services.hand_over_base(base=base, new_officer=new_officer, actor=request.user,
                                    note=data["note"], request=request)
        except services.AccountError as exc:
            form.add_error("username", str(exc))
        else:
            messages.success(request, f"已将{base.name}交接给 {new_officer.username}。")
            return redirect("bases:detail", code=base.code)
    return render(request, "bases/handover.html", {"base": base, "form": form,
                                                   "ledger": ledger_state(base)})


@require_POST
def handover_request(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.OFFICER)
    base = get_base(request, code)
    form = HandoverRequestForm(request.POST)
    if form.is_valid():
        services.request_handover(base=base, officer=request.user,
                                  note=form.cleaned_data["note"], request=request)
        messages.success(request, "交接申请已提交，省级管理员将为基地指定新的信息管理员。")
    else:
        messages.error(request, "请填写申请说明。")
    return redirect("bases:detail", code=base.code)


def handover_list(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    context = {
        "handovers": Handover.objects.select_related("base", "from_user", "to_user", "by")[:200],
        "requests": HandoverRequest.objects.filter(resolved=False)
        .select_related("base", "requested_by"),
    }
    return render(request, "bases/handover_list.html", context)


def audit_log(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.AUDIT)
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.all())
    if request.GET.get("format") == "xlsx":
        record(request, "export_audit_log", detail=form.describe()[:500])
        return audit_workbook(events)
    page = CappedPaginator(events, 100, cap=settings.AUDIT_LOG_COUNT_CAP).get_page(
        request.GET.get("page"))
    return render(request, "bases/audit_log.html", {"page": page, "form": form})


def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save()
        update_session_auth_hash(request, user)
        record(request, "password_changed", object_repr=f"user:{user.username}")
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form})


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """django-axes lockout page: the same clear Chinese message for every locked account."""
    from django.conf import settings

    context = {
        "username": (credentials or {}).get("username", "") or request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked.html", context, status=429)
