from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from bases.models import User

Handler = Callable[[HttpRequest], HttpResponse]


#: Session key holding when the session was last written (seconds since the epoch).
ACTIVE_AT_KEY = "_active_at"


class SessionActivityMiddleware:
    """Slide the idle timeout (SESSION_COOKIE_AGE) while writing the session at most once per
    SESSION_REFRESH_SECONDS.

    SESSION_SAVE_EVERY_REQUEST would do the same with an UPDATE and a commit on every page
    view, the most frequent write of a deadline day; the idle timeout is then exact to within
    the refresh interval instead of to the second. Sits inside SessionMiddleware, which
    saves a modified session on the way out.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return response  # anonymous, or logged out by this request: nothing to slide
        now = int(time.time())
        if session.modified or now - session.get(ACTIVE_AT_KEY, 0) >= \
                settings.SESSION_REFRESH_SECONDS:
            session[ACTIVE_AT_KEY] = now
        return response


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
    """A flagged or expired password reaches only the password page and logout.

    The second factor comes first: while it is pending, TwoFactorRequiredMiddleware sends
    the user to the 2FA pages (the password page among those it guards), so the order is
    password, second factor, new password, portal, and the two never redirect to each other.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (user.must_change_password or password_expired(user))
            and not second_factor_pending(request)
            and not _exempt(request, "password_change")
        ):
            return redirect("password_change")
        return self.get_response(request)


def second_factor_required(request: HttpRequest) -> bool:
    """The roles of OTP_REQUIRED_ROLES and superusers (whatever their role) must pass it;
    others once enrolled."""
    user = request.user
    return (user.role in settings.OTP_REQUIRED_ROLES or user.is_superuser
            or bool(request.session.get("otp_enrolled")))


def second_factor_pending(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and second_factor_required(request) and not user.is_verified()


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
            or not getattr(view_func, "login_required", True)
            or not second_factor_pending(request)
            or _exempt(request, "otp_setup", "otp_verify")
        ):
            return None
        from django_otp import user_has_device

        # The page asked for (the login page's `next` included) is where the code leads.
        target = reverse("otp_verify" if user_has_device(user) else "otp_setup")
        if request.method == "GET" and request.path != reverse("home"):
            return redirect_to_login(request.get_full_path(), target)
        return redirect(target)


PLATFORM_NO_WEB = "平台对接账号只能通过数据接口（令牌）访问，不能登录网页"


class PlatformAccountMiddleware:
    """A platform account (平台对接) is a machine: it reaches its base's ledger and roster
    through the API with its token, never through a browser session. The login form refuses
    it; a session that is one anyway (its role changed after login) ends here with a 403."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from bases.models import Role

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.PLATFORM:
            from django.contrib.auth import logout
            from django.http import HttpResponseForbidden, JsonResponse

            from bases.audit import record

            record(request, "platform_web_denied", object_repr=request.path[:200],
                   outcome="denied")
            logout(request)
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": PLATFORM_NO_WEB}, status=403)
            return HttpResponseForbidden(PLATFORM_NO_WEB, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
