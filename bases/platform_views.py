"""The base's own public service platform (平台对接, SPEC 9) on the base's page.

The province registers the platform account (or approves the officer's request) and sees its
API token once; the base's officer requests one. Everything else about the account is the
API's (reporting/api/records.py): the account never signs in to these pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bases import services
from bases.access import get_base, outside_scope, require_role
from bases.forms import PlatformRegisterForm, PlatformRequestForm
from bases.hooks import PageSection
from bases.models import Base, PlatformRequest, Role


def platform_section(request: HttpRequest, base: Base) -> PageSection:
    """The base page's 平台对接 part: for the province and the base's officer only."""
    role = request.user.role
    shown = role == Role.PROVINCE or (role == Role.OFFICER and request.user.base_id == base.pk)
    return PageSection("bases/platform_section.html", {
        "shown": shown, "account": services.platform_account(base) if shown else None,
        "open_request": base.platform_requests.filter(state=PlatformRequest.State.OPEN)
        .select_related("requested_by").first() if shown else None,
        "register_form": PlatformRegisterForm(), "request_form": PlatformRequestForm(),
        "province": role == Role.PROVINCE, "officer": role == Role.OFFICER})


def _token_page(request: HttpRequest, base: Base, username: str, key: str) -> HttpResponse:
    # Shown once: the page is not cached (NoStoreMiddleware) and the key is not kept anywhere
    # the province could read it again.
    return render(request, "bases/platform_token.html",
                  {"base": base, "username": username, "key": key})


def _refused(request: HttpRequest, base: Base, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("bases:detail", code=base.code)


@require_POST
def platform_register(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    base = get_base(request, code)
    form = PlatformRegisterForm(request.POST)
    if not form.is_valid():
        return _refused(request, base, "请填写平台对接账号名（150个字符以内）")
    try:
        user, key = services.register_platform(base=base, username=form.cleaned_data["username"],
                                               actor=request.user, request=request)
    except services.AccountError as exc:
        return _refused(request, base, f"平台对接账号名：{exc}")
    return _token_page(request, base, user.username, key)


@require_POST
def platform_request(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.OFFICER)
    base = get_base(request, code)
    form = PlatformRequestForm(request.POST)
    if not form.is_valid():
        return _refused(request, base, "请填写拟用账号名和平台说明")
    try:
        services.request_platform(base=base, officer=request.user,
                                  username=form.cleaned_data["username"],
                                  note=form.cleaned_data["note"], request=request)
    except services.AccountError as exc:
        return _refused(request, base, str(exc))
    messages.success(request, "平台对接申请已提交，省级管理员批准后将登记账号并签发令牌。")
    return redirect("bases:detail", code=base.code)


@require_POST
def platform_decide(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    base = get_base(request, code)
    pending = base.platform_requests.filter(pk=pk, state=PlatformRequest.State.OPEN).first()
    if pending is None:
        raise outside_scope(request, f"platform-request:{pk}")
    try:
        if request.POST.get("decision") == "approve":
            user, key = services.register_platform(base=base, username=pending.username,
                                                   actor=request.user, request=request)
            return _token_page(request, base, user.username, key)
        services.decline_platform(platform_request=pending, actor=request.user,
                                  request=request)
    except services.AccountError as exc:
        return _refused(request, base, str(exc))
    messages.success(request, "已退回平台对接申请。")
    return redirect("bases:detail", code=base.code)


@require_POST
def platform_token(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    base = get_base(request, code)
    account = services.platform_account(base)
    if account is None or not account.is_active:
        return _refused(request, base, "本基地没有启用的平台对接账号")
    key = services.issue_api_token(user=account, actor=request.user, request=request)
    return _token_page(request, base, account.username, key)
