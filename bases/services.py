"""Writes about bases and accounts. Views, the API and commands all call these."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from bases.audit import record
from bases.models import (
    Base,
    City,
    Handover,
    HandoverRequest,
    LoginSession,
    Role,
    User,
)
from bases.notices.services import after_commit, handover_done
from bases.validators import validate_username


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


def end_sessions(user: User) -> int:
    """Log the user out everywhere, server-side."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    LoginSession.objects.filter(user=user).delete()
    return len(keys)


#: Roles whose grant is its own audit event: they reach reports, accounts or the audit log.
ADMIN_ROLES = (Role.PROVINCE, Role.SECURITY, Role.AUDIT)
#: What nobody changes on their own account: a security admin could otherwise make itself a
#: province admin (and read reports) or a superuser.
SELF_PROTECTED_FIELDS = frozenset({"role", "base", "city", "is_superuser", "is_staff",
                                   "groups", "user_permissions"})


def check_username(username: str, *, request: HttpRequest | None = None,
                   actor: User | None = None) -> None:
    """Apply the user-name rule (bases.validators.validate_username); a refusal is audited."""
    try:
        validate_username(username)
    except ValidationError as exc:
        message = "；".join(exc.messages)
        record(request, "account_refused", object_repr=f"user:{username}", outcome="denied",
               detail=message, actor=actor)
        raise AccountError(message) from None


def check_self_change(*, actor: User, account: User, changed: set[str],
                      request: HttpRequest | None = None) -> None:
    """Refuse (and audit) a change of one's own role, scope or privileges."""
    forbidden = sorted(changed & SELF_PROTECTED_FIELDS)
    if account.pk is not None and account.pk == actor.pk and forbidden:
        record(request, "account_change_denied", object_repr=f"user:{account.username}",
               outcome="denied", detail=f"fields={','.join(forbidden)}", actor=actor)
        raise AccountError("不能修改本人账号的角色、所属基地或市州、管理权限，"
                           "请由另一位安全管理员办理")


def note_role_grant(*, user: User, previous_role: str | None,
                    request: HttpRequest | None = None, actor: User | None = None) -> None:
    """Granting an admin role is audited as its own event, apart from the account change."""
    if user.role in ADMIN_ROLES and user.role != previous_role:
        before = Role(previous_role).label if previous_role else "新账号"
        record(request, "role_granted", object_repr=f"user:{user.username}", actor=actor,
               detail=f"授予角色：{user.get_role_display()}（原角色：{before}）")


def reset_second_factor(*, user: User, actor: User,
                        request: HttpRequest | None = None) -> int:
    """Delete every second-factor device of the user (the security admin's reset): the next
    login must enrol again. Their sessions end, so none lives on with the old device."""
    from django_otp import devices_for_user

    if user.pk == actor.pk:  # outside the transaction: the refusal's record must stay
        record(request, "otp_reset_denied", object_repr=f"user:{user.username}",
               outcome="denied", actor=actor)
        raise AccountError("不能重置本人的两步验证设备，请由另一位安全管理员办理")
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None, for_verify=True))
        for device in devices:
            device.delete()
        end_sessions(user)
        record(request, "otp_reset", object_repr=f"user:{user.username}", actor=actor,
               detail=f"重置两步验证，删除设备 {len(devices)} 个，须在下次登录时重新绑定")
    return len(devices)


def provision_account(
    *,
    username: str,
    role: str,
    base_code: str | None = None,
    city_name: str | None = None,
    password: str | None = None,
    must_change: bool = False,
    actor: User | None = None,
    request: HttpRequest | None = None,
    scope_required: bool = True,
) -> tuple[User, bool]:
    """Create or update an account with a role that matches its scope.

    `scope_required=False` lets a handover create an officer before the base is moved to them.
    """
    # Outside the transaction: the audit record of a refused name must survive the refusal.
    check_username(username, request=request, actor=actor)
    with transaction.atomic():
        if role not in Role.values:
            raise AccountError(f"角色“{role}”无效，可选：{', '.join(Role.values)}")
        base = city = None
        if role == Role.OFFICER and (base_code or scope_required or city_name):
            if not base_code or city_name:
                raise AccountError("基地信息管理员必须指定 --base（且不能指定 --city）")
            base = Base.objects.filter(code=base_code).first()
            if base is None:
                raise AccountError(f"基地编码“{base_code}”不存在")
        elif role == Role.CITY:
            if not city_name or base_code:
                raise AccountError("市州查看员必须指定 --city（且不能指定 --base）")
            city = City.objects.filter(name=city_name).first()
            if city is None:
                raise AccountError(f"市州“{city_name}”不存在")
        elif role != Role.OFFICER and (base_code or city_name):
            raise AccountError("该角色不关联基地或市州，请勿指定 --base 或 --city")

        user = User.objects.select_for_update().filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        if base is not None:
            holder = (User.objects.filter(base=base, role=Role.OFFICER)
                      .exclude(pk=user.pk).first())
            if holder is not None:
                raise AccountError(
                    f"基地“{base.name}”已有信息管理员 {holder.username}，请通过交接更换"
                )
        previous_role = None if created else user.role
        user.role, user.base, user.city = role, base, city
        if password is not None:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise AccountError("；".join(exc.messages)) from None
            user.set_password(password)
            user.password_changed_at = timezone.now()
        elif created:
            user.set_unusable_password()
        user.must_change_password = must_change
        user.save()
        record(request, "account_created" if created else "account_changed",
               object_repr=f"user:{username}", detail=f"role={role}", actor=actor)
        note_role_grant(user=user, previous_role=previous_role, request=request, actor=actor)
        return user, created


@transaction.atomic
def hand_over_base(
    *, base: Base, new_officer: User, actor: User, note: str = "",
    request: HttpRequest | None = None,
) -> Handover:
    """Give the base to a new officer; the old one loses access and is logged out at once."""
    base = Base.objects.select_for_update().get(pk=base.pk)
    new_officer = User.objects.select_for_update().get(pk=new_officer.pk)
    if new_officer.role != Role.OFFICER:
        raise AccountError(f"{new_officer.username} 不是基地信息管理员账号")
    if new_officer.base_id is not None:
        if new_officer.base_id == base.pk:
            raise AccountError(f"{new_officer.username} 已是该基地的信息管理员")
        raise AccountError(f"{new_officer.username} 已负责其他基地，不能同时负责两个基地")
    if not new_officer.is_active:
        raise AccountError(f"{new_officer.username} 账号已停用")
    old_officer = User.objects.select_for_update().filter(base=base).first()
    if old_officer is not None:
        old_officer.base = None
        old_officer.save(update_fields=["base"])
        end_sessions(old_officer)
    new_officer.base = base
    new_officer.save(update_fields=["base"])
    handover = Handover.objects.create(base=base, from_user=old_officer, to_user=new_officer,
                                       by=actor, note=note)
    HandoverRequest.objects.filter(base=base, resolved=False).update(resolved=True)
    record(request, "handover", object_repr=f"base:{base.code}", actor=actor,
           detail=f"{old_officer.username if old_officer else '—'} → {new_officer.username}")
    after_commit(handover_done, handover.pk)
    return handover


@transaction.atomic
def request_handover(*, base: Base, officer: User, note: str,
                     request: HttpRequest | None = None) -> HandoverRequest:
    if officer.base_id != base.pk:
        raise AccountError("只能为本人负责的基地申请交接")
    handover_request = HandoverRequest.objects.create(base=base, requested_by=officer, note=note)
    record(request, "handover_requested", object_repr=f"base:{base.code}", actor=officer)
    return handover_request
