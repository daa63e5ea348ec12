"""What reporting tells people, through bases.notices: a report returned, approved or
reopened, an extension granted, the province's daily digest of submissions, and the
deadline reminders (7, 3 and 1 days before a base's own deadline and the day after it).

The workflow services call the event functions through `bases.notices.services.after_commit`
(after their commit, never raising into the page); the digest and the reminders are Celery
beat tasks (portal/settings.py, CELERY_BEAT_SCHEDULE) and `manage.py send_reminders`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bases.models import Base, Role, User
from bases.notices.models import Kind, ReminderKind, SentReminder
from bases.notices.services import base_officers, notify, province_admins
from reporting.filing import rounds
from reporting.models import Extension, Report, Round, Status, Transition

logger = logging.getLogger("bases.notices")


def _report_link(report: Report) -> str:
    return reverse("reporting:report", args=[report.base.code, report.year])


def _report(report_id: int) -> Report:
    return Report.objects.select_related("base").get(pk=report_id)


def report_returned(report_id: int) -> None:
    report = _report(report_id)
    notify(recipients=base_officers(report.base_id), kind=Kind.RETURNED,
           title=f"{report.year}年度报表被退回，请修改后重新提交",
           body=f"{report.base.name}的{report.year}年度报表已被退回。"
                f"审核意见：{report.review_comment or '见报表中各项的意见'}",
           link=_report_link(report))


def report_approved(report_id: int) -> None:
    report = _report(report_id)
    notify(recipients=base_officers(report.base_id), kind=Kind.APPROVED,
           title=f"{report.year}年度报表已审核通过",
           body=f"{report.base.name}的{report.year}年度报表已审核通过。",
           link=_report_link(report))


def report_reopened(report_id: int) -> None:
    report = _report(report_id)
    notify(recipients=base_officers(report.base_id), kind=Kind.REOPENED,
           title=f"{report.year}年度报表已被重新打开，请修改后重新提交",
           body=f"{report.base.name}的{report.year}年度报表已被省级管理员重新打开。"
                f"原因：{report.review_comment}",
           link=_report_link(report))


def extension_granted(extension_id: int) -> None:
    extension = Extension.objects.select_related("base", "round").get(pk=extension_id)
    base, year = extension.base, extension.round.year
    notify(recipients=base_officers(base.pk), kind=Kind.EXTENSION,
           title=f"{year}年度报送已延期至{extension.deadline:%Y年%m月%d日}",
           body=f"{base.name}的{year}年度报送截止日期已延至{extension.deadline:%Y-%m-%d}。"
                + (f"说明：{extension.note}" if extension.note else ""),
           link=reverse("reporting:report", args=[base.code, year]))


def notify_city_reviewers(report_id: int) -> None:
    """For two-level review: tell the city's reviewers that a report awaits them."""
    report = _report(report_id)
    reviewers = User.objects.filter(role=Role.CITY, city_id=report.base.city_id, is_active=True)
    notify(recipients=reviewers, kind=Kind.AWAITING_CITY_REVIEW,
           title=f"{report.base.name}的{report.year}年度报表待市州审核",
           body=f"{report.base.name}（{report.base.code}）已提交{report.year}年度报表，请审核。",
           link=_report_link(report))


# ---------------------------------------------------------------------------------------
# The province's daily digest of submissions
# ---------------------------------------------------------------------------------------

#: Bases named in a digest; the rest are counted (the review queue lists them all).
DIGEST_NAMES_MAX = 30


def submission_digest(day: dt.date) -> int:
    """Tell each province admin which reports were submitted on `day` (local time); once
    per admin and day whoever runs it. The number of reports in the digest."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    submitted = (Transition.objects.filter(action=Transition.Action.SUBMIT, at__gte=start,
                                           at__lt=start + dt.timedelta(days=1))
                 .values_list("report__base__name", "report__base__code", "report__year")
                 .order_by("report__year", "report__base__code").distinct())
    rows = list(submitted)
    if not rows:
        return 0
    lines = [f"{name}（{code}）{year}年度" for name, code, year in rows[:DIGEST_NAMES_MAX]]
    if len(rows) > DIGEST_NAMES_MAX:
        lines.append(f"……等共 {len(rows)} 份")
    notify(recipients=province_admins(), kind=Kind.SUBMITTED_DIGEST,
           title=f"{day:%Y年%m月%d日}共提交报表 {len(rows)} 份，待审核",
           body="\n".join(lines), link=reverse("reporting:queue") + "?status=submitted",
           key=f"digest:{day.isoformat()}")
    return len(rows)


@shared_task(name="reporting.notices.send_submission_digest")
def send_submission_digest(day: str | None = None) -> int:
    """Beat, every morning: yesterday's submissions."""
    return submission_digest(dt.date.fromisoformat(day) if day
                             else timezone.localdate() - dt.timedelta(days=1))


# ---------------------------------------------------------------------------------------
# Deadline reminders
# ---------------------------------------------------------------------------------------

#: Days from today to the base's deadline -> the reminder due today.
REMINDER_DAYS = {7: ReminderKind.DAYS_7, 3: ReminderKind.DAYS_3, 1: ReminderKind.DAYS_1,
                 -1: ReminderKind.OVERDUE}


@dataclass
class Reminder:
    base: Base
    year: int
    deadline: dt.date
    kind: ReminderKind
    officers: list[User] = field(default_factory=list)
    sent: bool = False  # False: sent before (or, in a dry run, not sent)


def due_reminders(today: dt.date) -> list[Reminder]:
    """The reminders due `today` for every open round: bases that have not submitted (no
    report, or a draft) whose own deadline (extensions respected) is 7, 3 or 1 days away or
    was yesterday. A constant number of queries however many bases."""
    open_rounds = list(Round.objects.filter(closed_at__isnull=True, opens_on__lte=today)
                       .prefetch_related("extensions"))
    if not open_rounds:
        return []
    bases = list(Base.objects.filter(status=Base.Status.ACTIVE).order_by("code"))
    filed = set(Report.objects.filter(year__in=[r.year for r in open_rounds])
                .exclude(status=Status.DRAFT).values_list("base_id", "year"))
    due: list[Reminder] = []
    for round_ in open_rounds:
        for base in bases:
            if (base.pk, round_.year) in filed:
                continue
            deadline = rounds.deadline_for(round_, base)
            kind = REMINDER_DAYS.get((deadline - today).days)
            if kind is not None:
                due.append(Reminder(base, round_.year, deadline, kind))
    officers: dict[int, list[User]] = {}
    for officer in User.objects.filter(role=Role.OFFICER, is_active=True,
                                       base_id__in={r.base.pk for r in due}):
        officers.setdefault(officer.base_id, []).append(officer)
    for reminder in due:
        reminder.officers = officers.get(reminder.base.pk, [])
    return due


def _text(reminder: Reminder, today: dt.date) -> tuple[str, str]:
    year, deadline = reminder.year, f"{reminder.deadline:%Y年%m月%d日}"
    if reminder.kind == ReminderKind.OVERDUE:
        return (f"{year}年度报表已逾期未提交，请尽快报送",
                f"{reminder.base.name}的{year}年度报表截止日期为{deadline}，至今尚未提交，"
                "请尽快填报并提交。")
    days = (reminder.deadline - today).days
    return (f"{year}年度报表将于{days}天后截止，请按时提交",
            f"{reminder.base.name}的{year}年度报表截止日期为{deadline}（还剩{days}天），"
            "目前尚未提交，请尽快填报并提交。")


def send_deadline_reminders_on(today: dt.date, *, dry_run: bool = False) -> list[Reminder]:
    """Send today's reminders; each (base, day, kind) once only, however many runs or beat
    hosts (SentReminder's unique constraint). A dry run sends and records nothing."""
    reminders = due_reminders(today)
    for reminder in reminders:
        if dry_run or not reminder.officers:
            continue
        title, body = _text(reminder, today)
        try:
            with transaction.atomic():
                SentReminder.objects.create(base=reminder.base, year=reminder.year,
                                            kind=reminder.kind, day=today,
                                            deadline=reminder.deadline)
                notify(recipients=reminder.officers, kind=Kind.REMINDER, title=title,
                       body=body, link=reverse("reporting:report",
                                               args=[reminder.base.code, reminder.year]))
        except IntegrityError:
            continue  # sent already today
        reminder.sent = True
    sent = sum(r.sent for r in reminders)
    if not dry_run:
        logger.info("截止提醒 %s：应提醒 %d 个基地，本次发送 %d 个", today, len(reminders), sent)
    return reminders


@shared_task(name="reporting.notices.send_deadline_reminders")
def send_deadline_reminders(day: str | None = None) -> int:
    """Beat, every morning at 09:00: today's reminders; how many bases were told."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return sum(r.sent for r in send_deadline_reminders_on(today))
