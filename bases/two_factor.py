"""TOTP two-factor login (django-otp): setup with a QR code and a manual key, and verify."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from bases.audit import record


class TokenForm(forms.Form):
    otp_token = forms.RegexField(label="动态验证码", regex=r"^\d{6}$", max_length=6,
                                 error_messages={"invalid": "请输入6位数字验证码"},
                                 widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                               "autocomplete": "one-time-code"}))


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def safe_next(request: HttpRequest) -> str:
    """The `next` the request carries if it stays on this site (the login view's own check:
    host and scheme, https required on a secure request); otherwise the home page. An
    off-site target is audited."""
    target = request.POST.get("next", request.GET.get("next", ""))
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    if target:
        record(request, "redirect_refused", object_repr=target[:200], outcome="denied")
    return resolve_url("home")


def setup(request: HttpRequest) -> HttpResponse:
    """First enrolment only. Whoever holds only the password of an account that has a device
    gets no new secret: that needs the current device (verify) or the security admin's reset."""
    user = request.user
    if user.is_verified():
        return redirect("home")
    if user_has_device(user, confirmed=True):
        record(request, "otp_setup_denied", object_repr=f"user:{user.username}",
               outcome="denied")
        messages.error(request, "该账号已绑定身份验证器，请输入验证码；"
                                "如设备丢失，请联系安全管理员重置两步验证。")
        query = request.GET.urlencode()  # keeps `next`
        return redirect(f"{reverse('otp_verify')}?{query}" if query else "otp_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="默认设备", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            request.session["otp_enrolled"] = True
            record(request, "otp_enabled", object_repr=f"user:{user.username}")
            messages.success(request, "已启用两步验证。")
            return redirect(safe_next(request))
        form.add_error("otp_token", "验证码不正确或已使用，请等待下一个验证码")
        record(request, "otp_failed", object_repr=f"user:{user.username}", outcome="failure")
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # generated here, no user input
        "manual_key": base64.b32encode(device.bin_key).decode(),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "registration/otp_setup.html", context)


def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect("home")
    if not user_has_device(user, confirmed=True):
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_token remembers the last time step used, so a code works only once; the
        # row lock keeps two simultaneous posts of one code from both passing.
        with transaction.atomic():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            device = next((d for d in devices
                           if d.verify_token(form.cleaned_data["otp_token"])), None)
        if device is not None:
            otp_login(request, device)
            record(request, "otp_verified", object_repr=f"user:{user.username}")
            return redirect(safe_next(request))
        form.add_error("otp_token", "验证码不正确或已使用，请等待下一个验证码")
        record(request, "otp_failed", object_repr=f"user:{user.username}", outcome="failure")
    return render(request, "registration/otp_verify.html", {"form": form})
