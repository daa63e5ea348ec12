"""Who may see what. Every view and API call finds its objects through these helpers.

Anything outside the caller's scope answers 404, never 403, so that nothing reveals that
it exists. A city reviewer reads exactly what a city viewer of its city reads (CITY_ROLES).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from bases.models import CITY_ROLES, Base, City, Role, User


def in_scope(user: User, *, via: str = "") -> Q:
    """The one scope rule as a filter: the bases `user` reads, on Base itself, or with
    `via` (e.g. "base__") on whatever belongs to a base (`reporting` filters reports so)."""
    if user.role == Role.PROVINCE:
        return Q()
    if user.role in CITY_ROLES and user.city_id:
        return Q(**{f"{via}city_id": user.city_id})
    if user.role == Role.OFFICER and user.base_id:
        return Q(**{f"{via}pk": user.base_id})
    return Q(pk__in=[])  # nothing, without a query


def bases_for(user: User) -> QuerySet[Base]:
    return Base.objects.select_related("city").filter(in_scope(user))


def sees_base(user: User, base: Base) -> bool:
    """`bases_for` for one base already in hand: the same rule, without a query."""
    if user.role == Role.PROVINCE:
        return True
    if user.role in CITY_ROLES:
        return user.city_id is not None and base.city_id == user.city_id
    if user.role == Role.OFFICER:
        return user.base_id is not None and base.pk == user.base_id
    return False


def cities_for(user: User) -> QuerySet[City]:
    if user.role == Role.PROVINCE:
        return City.objects.all()
    if user.role in CITY_ROLES:
        return City.objects.filter(pk=user.city_id)
    return City.objects.none()


def outside_scope(request: HttpRequest, what: str) -> Http404:
    """The 404 for an object the caller may not see; recorded in the audit log."""
    from bases.audit import record

    record(request, "scope_denied", object_repr=what[:200], outcome="denied")
    return Http404("页面不存在")


def get_base(request: HttpRequest, code: str) -> Base:
    # A NUL byte (%00 in the URL) is in no code, and PostgreSQL refuses it in a query.
    base = None if "\x00" in code else bases_for(request.user).filter(code=code).first()
    if base is None:
        raise outside_scope(request, f"base:{code}")
    return base


def record_bases_for(user: User) -> QuerySet[Base]:
    """The bases whose ledger and roster the user reads: those of `bases_for`, and for a
    platform account (平台对接) its own base, which it reaches through the API only."""
    if user.role == Role.PLATFORM:
        if not user.base_id:
            return Base.objects.none()
        return Base.objects.select_related("city").filter(pk=user.base_id)
    return bases_for(user)


def writes_records(user: User, base: Base) -> bool:
    """Who writes a base's ledger and roster: its officer, and its own platform account."""
    return (user.role in (Role.OFFICER, Role.PLATFORM) and user.base_id is not None
            and user.base_id == base.pk)


def get_record_base(request: HttpRequest, code: str) -> Base:
    """`get_base` for the ledger and roster endpoints (platform accounts included)."""
    base = None if "\x00" in code else record_bases_for(request.user).filter(code=code).first()
    if base is None:
        raise outside_scope(request, f"base:{code}")
    return base


def require_role(request: HttpRequest, *roles: str) -> None:
    if request.user.role not in roles:
        raise outside_scope(request, request.path)
