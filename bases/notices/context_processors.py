"""The unread count in every page's header: one COUNT on the (recipient, read_at) index,
and only when a template shows it."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from bases.notices.models import Notice


def unread_notices(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        return Notice.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notice_count": count}
