from __future__ import annotations

from django.http import HttpRequest

from bases.models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(request: HttpRequest | None, event: str, *, object_repr: str = "",
           outcome: str = "success", detail: str = "", actor: User | None = None) -> AuditEvent:
    """Append one audit record. Never pass secrets (passwords, tokens) in `detail`."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        ip=client_ip(request),
        event=event,
        object_repr=object_repr[:200],
        outcome=outcome,
        detail=detail,
    )
