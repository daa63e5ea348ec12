"""Reporting rounds: opening, closing, reopening, rescheduling, extensions, and deadlines.

Every write to a round goes through these services (pages, API, admin, seed_demo): each
runs in one transaction, validates the round with the model's rules (`Round.clean`,
`Extension.clean`: field-keyed Chinese messages, raised as Django's ValidationError), checks
that the actor may manage rounds (`policy.may_manage_rounds`; None is a command) and is
audited.

Deadlines and lateness have one home too: `deadline_for` (the base's extension, else the
round's deadline), `is_late` and its SQL twin `filter_by_timing`. A report is late when
the local date of its *first* submission is after its base's deadline; a base that has
not submitted is late once that deadline has passed. A resubmission after a return does
not make a report late.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest
from django.utils import timezone

from bases.audit import record
from bases.models import Base, User
from bases.notices.services import after_commit
from reporting import notices
from reporting.filing.policy import WorkflowError, may_manage_rounds, require
from reporting.models import Extension, Report, Round

# ---------------------------------------------------------------------------------------
# Deadlines and lateness
# ---------------------------------------------------------------------------------------


def deadlines(round_: Round) -> dict[int, dt.date]:
    """Extended deadlines by base id (prefetched `extensions` are used when present)."""
    return {extension.base_id: extension.deadline for extension in round_.extensions.all()}


def deadline_for(round_: Round, base: Base | int) -> dt.date:
    """The base's deadline in the round: its extension's, else the round's."""
    base_id = base if isinstance(base, int) else base.pk
    return deadlines(round_).get(base_id, round_.deadline)


def is_late(*, deadline: dt.date, first_submitted_at: dt.datetime | None,
            today: dt.date | None = None) -> bool:
    if first_submitted_at is not None:
        return timezone.localtime(first_submitted_at).date() > deadline
    return (today or timezone.localdate()) > deadline


def filter_by_timing(reports: QuerySet[Report], round_: Round, *,
                     late: bool) -> QuerySet[Report]:
    """The submitted reports of `round_` that were late (or on time): `is_late` in SQL."""
    from zoneinfo import ZoneInfo

    extension = Extension.objects.filter(round=round_, base=OuterRef("base")).values("deadline")
    reports = reports.annotate(
        due=Coalesce(Subquery(extension[:1]), round_.deadline),
        submitted_on=TruncDate("first_submitted_at", tzinfo=ZoneInfo(settings.TIME_ZONE)),
    ).filter(first_submitted_at__isnull=False)
    return (reports.filter(submitted_on__gt=F("due")) if late
            else reports.filter(submitted_on__lte=F("due")))


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------

YEAR_TAKEN_MESSAGE = "该年度的报送轮次已存在"


def _lock(round_: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round_.pk)


@transaction.atomic
def open_round(*, year: int, opens_on: dt.date, deadline: dt.date, actor: User | None,
               request: HttpRequest | None = None) -> Round:
    require(may_manage_rounds(actor))
    round_ = Round(year=year, opens_on=opens_on, deadline=deadline, opened_by=actor)
    round_.full_clean()
    try:
        with transaction.atomic():
            round_.save()
    except IntegrityError:  # opened by someone else since full_clean looked
        raise ValidationError({"year": YEAR_TAKEN_MESSAGE}) from None
    record(request, "round_opened", object_repr=f"round:{year}", actor=actor,
           detail=f"开始 {opens_on}，截止 {deadline}")
    return round_


@transaction.atomic
def reschedule_round(*, round_: Round, opens_on: dt.date, deadline: dt.date,
                     actor: User | None, request: HttpRequest | None = None) -> Round:
    require(may_manage_rounds(actor))
    round_ = _lock(round_)
    round_.opens_on, round_.deadline = opens_on, deadline
    round_.full_clean()
    round_.save(update_fields=["opens_on", "deadline"])
    record(request, "round_rescheduled", object_repr=f"round:{round_.year}", actor=actor,
           detail=f"开始 {opens_on}，截止 {deadline}")
    return round_


def close_round(*, round_: Round, actor: User | None,
                request: HttpRequest | None = None) -> Round:
    return _set_closed(round_, closed=True, actor=actor, request=request)


def reopen_round(*, round_: Round, actor: User | None,
                 request: HttpRequest | None = None) -> Round:
    return _set_closed(round_, closed=False, actor=actor, request=request)


@transaction.atomic
def _set_closed(round_: Round, *, closed: bool, actor: User | None,
                request: HttpRequest | None) -> Round:
    require(may_manage_rounds(actor))
    round_ = _lock(round_)
    if round_.is_closed == closed:
        raise WorkflowError(f"{round_.year}年度报送{'已经关闭' if closed else '尚未关闭'}")
    round_.closed_at = timezone.now() if closed else None
    round_.save(update_fields=["closed_at"])
    record(request, "round_closed" if closed else "round_reopened",
           object_repr=f"round:{round_.year}", actor=actor)
    return round_


@transaction.atomic
def grant_extension(*, round_: Round, base: Base, deadline: dt.date, note: str = "",
                    actor: User | None, request: HttpRequest | None = None) -> Extension:
    """Give one base a later deadline; granting again replaces the earlier extension."""
    require(may_manage_rounds(actor))
    round_ = _lock(round_)
    extension = (Extension.objects.select_for_update().filter(round=round_, base=base).first()
                 or Extension(round=round_, base=base))
    extension.deadline, extension.note, extension.granted_by = deadline, note, actor
    extension.full_clean(exclude=["round", "base", "granted_by"])
    extension.save()
    record(request, "extension_granted", object_repr=f"round:{round_.year}/{base.code}",
           actor=actor, detail=f"延期至 {deadline}")
    after_commit(notices.extension_granted, extension.pk)
    return extension
