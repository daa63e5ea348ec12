"""Writing notices and choosing their channels. Views, reporting's events, the reminders
and the digest all come here; e-mail and SMS leave through Celery tasks (tasks.py).

A notice is saved in the caller's transaction; its e-mail and SMS are queued once that
commits. The events' hooks (`after_commit`) run after the event's own commit and never
raise: a failing notice never breaks the page that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from bases.models import Base, Role, User
from bases.notices.models import Channel, Kind, Notice, NoticePreference

logger = logging.getLogger("bases.notices")

#: How often a refused or failed e-mail or SMS is tried again (tasks.py).
RETRIES = 6

#: What a person gets on each channel until they choose: the message centre always, e-mail
#: for every kind, SMS (which costs money) for deadline reminders only.
DEFAULTS: dict[str, frozenset[str]] = {
    Channel.EMAIL: frozenset(Kind.values),
    Channel.SMS: frozenset({Kind.REMINDER}),
}
#: Channels a person may switch off: the message centre is the record of every notice.
CHOOSABLE_CHANNELS = (Channel.EMAIL, Channel.SMS)
#: Which kinds a role can receive (the settings page offers only these).
KINDS_FOR_ROLE: dict[str, tuple[str, ...]] = {
    Role.OFFICER: (Kind.RETURNED, Kind.APPROVED, Kind.REOPENED, Kind.EXTENSION,
                   Kind.HANDOVER, Kind.REMINDER),
    Role.CITY: (Kind.AWAITING_CITY_REVIEW,),
    Role.PROVINCE: (Kind.SUBMITTED_DIGEST,),
}


def forced_on(user: User, kind: str) -> bool:
    """Reminders cannot be switched off by officers: the deadline is the province's."""
    return kind == Kind.REMINDER and user.role == Role.OFFICER


def wants(user: User, kind: str, channel: str,
          choices: dict[tuple[str, str], bool] | None = None) -> bool:
    """Whether `user` gets `kind` on `channel`; `choices` are their saved preferences
    ((kind, channel) -> enabled), read here when not given."""
    if channel == Channel.SITE or forced_on(user, kind):
        return True
    if choices is None:
        choices = preferences_of(user)
    return choices.get((kind, channel), kind in DEFAULTS[channel])


def preferences_of(user: User) -> dict[tuple[str, str], bool]:
    return {(kind, channel): enabled for kind, channel, enabled in
            user.notice_preferences.values_list("kind", "channel", "enabled")}


@transaction.atomic
def set_preferences(*, user: User, choices: dict[tuple[str, str], bool]) -> None:
    """Save the user's choices ((kind, channel) -> enabled); forced ones stay on."""
    for (kind, channel), enabled in choices.items():
        if channel not in CHOOSABLE_CHANNELS or kind not in Kind.values:
            continue
        NoticePreference.objects.update_or_create(
            user=user, kind=kind, channel=channel,
            defaults={"enabled": enabled or forced_on(user, kind)})


def base_officers(base: Base | int) -> list[User]:
    base_id = base if isinstance(base, int) else base.pk
    return list(User.objects.filter(base_id=base_id, role=Role.OFFICER, is_active=True))


def province_admins() -> list[User]:
    return list(User.objects.filter(role=Role.PROVINCE, is_active=True))


def notify(*, recipients: Iterable[User], kind: str, title: str, body: str = "",
           link: str = "", key: str = "") -> list[Notice]:
    """One notice to each recipient, then (after commit) its e-mail and SMS as each wants.
    With `key`, a recipient who already has a notice with that key gets nothing new."""
    recipients = [user for user in recipients if user.is_active]
    if not recipients:
        return []
    notices = []
    with transaction.atomic():
        for user in recipients:
            notice = Notice(recipient=user, kind=kind, title=title[:200], body=body,
                            link=link, key=key)
            if key:
                try:
                    with transaction.atomic():
                        notice.save()
                except IntegrityError:  # sent already, here or by another beat host
                    continue
            else:
                notice.save()
            notices.append(notice)
        choices = _choices(notices)
        email_ids = [n.pk for n in notices if n.recipient.email
                     and wants(n.recipient, kind, Channel.EMAIL, choices[n.recipient_id])]
        sms_ids = [n.pk for n in notices if n.recipient.mobile
                   and wants(n.recipient, kind, Channel.SMS, choices[n.recipient_id])]
        if email_ids or sms_ids:
            transaction.on_commit(lambda: _deliver(email_ids, sms_ids))
    return notices


def _choices(notices: list[Notice]) -> dict[int, dict[tuple[str, str], bool]]:
    """Every recipient's saved preferences in one query."""
    choices: dict[int, dict[tuple[str, str], bool]] = {n.recipient_id: {} for n in notices}
    rows = NoticePreference.objects.filter(user_id__in=list(choices)).values_list(
        "user_id", "kind", "channel", "enabled")
    for user_id, kind, channel, enabled in rows:
        choices[user_id][(kind, channel)] = enabled
    return choices


def _deliver(email_ids: list[int], sms_ids: list[int]) -> None:
    """Queue the e-mails and SMS; without a broker they are sent here, and then a failure
    (after the task's retries) is logged, not raised into the page."""
    from bases.notices import tasks

    if settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        email_ids = []  # production without EMAIL_URL: no e-mail channel
    for task, ids in ((tasks.send_notice_email, email_ids), (tasks.send_notice_sms, sms_ids)):
        for notice_id in ids:
            try:
                if task.app.conf.task_always_eager:
                    _run_here(task, notice_id)
                else:
                    task.delay(notice_id)
            except Exception:
                logger.exception("通知 %s 未能发出（%s）", notice_id, task.name)


def _run_here(task: Any, notice_id: int) -> None:
    """Without a broker: the task and its retries, at once, in this process. (Celery's
    eager mode would raise the first retry into the page instead of retrying.)"""
    for _ in range(RETRIES + 1):
        try:
            task(notice_id)
            return
        except task.autoretry_for as exc:
            error = exc
    logger.error("通知 %s 经 %s 次尝试仍未发出（%s）：%r", notice_id, RETRIES + 1, task.name,
                 error)


def after_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run `func` once the current transaction commits (at once outside one). What it
    raises is logged: the event it tells of has happened whatever becomes of the notice."""

    def run() -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            logger.exception("通知未能生成：%s", getattr(func, "__name__", func))

    transaction.on_commit(run)


@transaction.atomic
def mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one of the user's notices (or, without `notice_id`, all) read; how many."""
    from django.utils import timezone

    notices = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_id is not None:
        notices = notices.filter(pk=notice_id)
    return notices.update(read_at=timezone.now())


# ---------------------------------------------------------------------------------------
# Notices about accounts and bases (bases' own events)
# ---------------------------------------------------------------------------------------


def handover_done(handover_id: int) -> None:
    """Tell the new officer (and the previous one) that the base changed hands."""
    from django.urls import reverse

    from bases.models import Handover

    handover = Handover.objects.select_related("base", "from_user", "to_user").get(
        pk=handover_id)
    base = handover.base
    notify(recipients=[handover.to_user], kind=Kind.HANDOVER,
           title=f"您已成为{base.name}的信息管理员",
           body=f"{base.name}（{base.code}）已交接给您，由您负责该基地的信息报送。"
                + (f"原信息管理员：{handover.from_user.username}。" if handover.from_user else ""),
           link=reverse("bases:detail", args=[base.code]))
    if handover.from_user is not None:
        notify(recipients=[handover.from_user], kind=Kind.HANDOVER,
               title=f"{base.name}已完成交接",
               body=f"{base.name}（{base.code}）已交接给 {handover.to_user.username}，"
                    "您不再负责该基地的信息报送。")
