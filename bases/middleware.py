from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from bases.models import User

Handler = Callable[[HttpRequest], HttpResponse]


def password_expired(user: User) -> bool:
    if user.password_changed_at is None:
        return False
    age = timezone.now() - user.password_changed_at
    return age > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def _exempt(request: HttpRequest, *names: str) -> bool:
    return (request.path in {reverse(name) for name in (*names, "logout")}
            or request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                                       else "/" + settings.STATIC_URL))


class PasswordChangeRequiredMiddleware:
    """A flagged or expired password reaches only the password page and logout."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (user.must_change_password or password_expired(user))
            and not _exempt(request, "password_change")
        ):
            return redirect("password_change")
        return self.get_response(request)


def second_factor_required(request: HttpRequest) -> bool:
    user = request.user
    return user.role in settings.OTP_REQUIRED_ROLES or bool(request.session.get("otp_enrolled"))


class TwoFactorRequiredMiddleware:
    """Admins (and anyone who enabled it) reach nothing but 2FA pages until verified.

    Views open to anonymous users (login, /healthz, the API with its own token auth) are
    left alone, exactly as Django's LoginRequiredMiddleware leaves them.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not getattr(view_func, "login_required", True)
            or user.is_verified()
            or not second_factor_required(request)
            or _exempt(request, "otp_setup", "otp_verify")
        ):
            return None
        from django_otp import devices_for_user

        has_device = any(True for _ in devices_for_user(user, confirmed=True))
        return redirect("otp_verify" if has_device else "otp_setup")
