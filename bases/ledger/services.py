"""Writes to the service ledger. The pages (and later the API and imports) call these.

Every write checks, under one transaction: that the actor is the base's officer, the
entry's fields (a refusal names the field), and that none of the years it touches is
locked (the base's report of that year approved, asked through bases.hooks.year_locked so a
reopened report unlocks the year by itself). Every write is kept in the ledger's history
(LedgerChange, before and after) and in the audit log; every refusal is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from bases.access import writes_records
from bases.audit import record
from bases.credit_code import validate_credit_code
from bases.hooks import year_locked
from bases.ledger import files
from bases.ledger.categories import CATEGORIES, LABELS
from bases.ledger.models import (
    ENTERPRISES_SERVED_MAX,
    ActivityAttachment,
    Institution,
    LedgerChange,
    ServiceActivity,
)
from bases.models import Base, User

LOCKED_MESSAGE = ("{year}年度报表已审核，该年度台帐已锁定；如需修改请联系省级管理员重新打开报表")


class LedgerRefused(Exception):
    """A ledger write that cannot be made. `field` is the form field at fault (None: the
    whole entry); `message` says what is wrong, `str()` says it with the field's name."""

    def __init__(self, field_name: str | None, message: str, *, label: str = "") -> None:
        super().__init__(f"{label}：{message}" if label else message)
        self.field = field_name
        self.message = message


class YearLocked(LedgerRefused):
    """The refusal of a change to a year whose report is approved (the API names it apart:
    a platform retrying it would be refused again until the report is reopened)."""


LedgerEntryModel = type[ServiceActivity] | type[Institution]
#: The upload form's field and how the page names it.
FILE_FIELD, FILE_LABEL = "file", "证明材料"


def _refuse(model: type[models.Model], field_name: str, message: str) -> LedgerRefused:
    return LedgerRefused(field_name, message,
                         label=str(model._meta.get_field(field_name).verbose_name))


class UploadedFile(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True, kw_only=True)
class ActivityInput:
    date: dt.date
    category: str
    title: str
    provider_id: int | None = None  # None: the base itself
    enterprises_served: int = 0
    note: str = ""
    external_id: str = ""


@dataclass(frozen=True, kw_only=True)
class InstitutionInput:
    name: str
    since: dt.date
    categories: tuple[str, ...] = field(default_factory=tuple)
    until: dt.date | None = None
    credit_code: str = ""
    external_id: str = ""


# --- snapshots for the history ------------------------------------------------------------

def activity_snapshot(activity: ServiceActivity) -> dict[str, Any]:
    return {
        "date": activity.date.isoformat(), "category": activity.category,
        "title": activity.title, "provider": activity.provider_name,
        "enterprises_served": activity.enterprises_served, "note": activity.note,
        "external_id": activity.external_id,
    }


def institution_snapshot(institution: Institution) -> dict[str, Any]:
    return {
        "name": institution.name, "credit_code": institution.credit_code,
        "categories": list(institution.categories), "since": institution.since.isoformat(),
        "until": institution.until.isoformat() if institution.until else None,
        "external_id": institution.external_id,
    }


def attachment_snapshot(attachment: ActivityAttachment) -> dict[str, Any]:
    return {"original_name": attachment.original_name, "content_type": attachment.content_type,
            "size": attachment.size, "activity": str(attachment.activity)}


def _log(*, base: Base, actor: User, kind: str, obj: models.Model, action: str,
         before: dict | None, after: dict | None, request: HttpRequest | None) -> None:
    LedgerChange.objects.create(
        base=base, actor=actor, actor_username=actor.get_username(), kind=kind,
        object_id=obj.pk, object_repr=str(obj)[:200], action=action, before=before,
        after=after)
    record(request, f"ledger_{kind}_{action}", object_repr=f"{kind}:{obj.pk}",
           detail=f"基地 {base.code}：{obj}"[:500], actor=actor)


def _save(*, entry: ServiceActivity | Institution, before: dict | None, actor: User,
          request: HttpRequest | None) -> None:
    """Save a created (`before` None) or changed entry and keep the change in the history."""
    is_activity = isinstance(entry, ServiceActivity)
    entry.updated_by = actor
    entry.save()
    _log(base=entry.base, actor=actor, obj=entry, before=before,
         kind=LedgerChange.Kind.ACTIVITY if is_activity else LedgerChange.Kind.INSTITUTION,
         action=LedgerChange.Action.CREATE if before is None else LedgerChange.Action.UPDATE,
         after=activity_snapshot(entry) if is_activity else institution_snapshot(entry),
         request=request)


@contextmanager
def _write(*, request: HttpRequest | None, actor: User, base: Base, what: str) -> Iterator[None]:
    """One transaction; a refusal rolls it back and is audited outside it, so it stays."""
    try:
        with transaction.atomic():
            _check_writer(actor, base)
            yield
    except LedgerRefused as exc:
        record(request, "ledger_refused", object_repr=what[:200], outcome="denied",
               detail=str(exc)[:500], actor=actor)
        raise


# --- checks --------------------------------------------------------------------------------

def _check_writer(actor: User, base: Base) -> None:
    if not writes_records(actor, base):
        raise LedgerRefused(None, "只有本基地的信息管理员（或本基地的服务平台）可以修改台帐")


def _check_unlocked(base: Base, years: Iterable[int]) -> None:
    for year in sorted(set(years)):
        if year_locked(base, year):
            raise YearLocked(None, LOCKED_MESSAGE.format(year=year))


def _check_date(model: type[models.Model], field_name: str, value: dt.date,
                base: Base) -> None:
    today = timezone.localdate()
    if value > today:
        raise _refuse(model, field_name, f"不能晚于今天（{today:%Y-%m-%d}）")
    if base.year_designated and value.year < base.year_designated:
        raise _refuse(model, field_name,
                      f"不能早于基地的认定年份（{base.year_designated}年）")


def _check_text(model: type[models.Model], field_name: str, value: str, *,
                required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _refuse(model, field_name, "不能为空")
    limit = model._meta.get_field(field_name).max_length
    if limit and len(value) > limit:
        raise _refuse(model, field_name, f"不能超过{limit}个字符（当前{len(value)}个）")
    return value


def _check_category(model: type[models.Model], field_name: str, value: str) -> None:
    if value not in LABELS:
        raise _refuse(model, field_name,
                      f"“{value}”不是服务类别，可选：{'、'.join(LABELS.values())}")


def _check_external_id(model: LedgerEntryModel, base: Base, value: str,
                       pk: int | None) -> str:
    value = _check_text(model, "external_id", value)
    if value and model.objects.filter(base=base, external_id=value).exclude(pk=pk).exists():
        raise _refuse(model, "external_id",
                      f"“{value}”已被本基地的另一条{model._meta.verbose_name}记录使用")
    return value


def _provider(base: Base, provider_id: int | None) -> Institution | None:
    if provider_id is None:
        return None
    provider = Institution.objects.filter(pk=provider_id, base=base).first()
    if provider is None:
        # The same answer for another base's institution and one that does not exist.
        raise _refuse(ServiceActivity, "provider", "所选服务机构不是本基地的第三方服务机构")
    return provider


def _apply_activity(activity: ServiceActivity, data: ActivityInput, base: Base) -> None:
    _check_date(ServiceActivity, "date", data.date, base)
    _check_category(ServiceActivity, "category", data.category)
    activity.title = _check_text(ServiceActivity, "title", data.title, required=True)
    served = data.enterprises_served
    if isinstance(served, bool) or not isinstance(served, int) or not (
            0 <= served <= ENTERPRISES_SERVED_MAX):
        raise _refuse(ServiceActivity, "enterprises_served",
                      f"须为0至{ENTERPRISES_SERVED_MAX}之间的整数")
    activity.date, activity.category, activity.enterprises_served = (
        data.date, data.category, served)
    activity.provider = _provider(base, data.provider_id)
    activity.note = _check_text(ServiceActivity, "note", data.note)
    activity.external_id = _check_external_id(ServiceActivity, base, data.external_id,
                                              activity.pk)


# --- activities ----------------------------------------------------------------------------

def create_activity(*, base: Base, actor: User, data: ActivityInput,
                    request: HttpRequest | None = None) -> ServiceActivity:
    with _write(request=request, actor=actor, base=base, what=f"activity:new@{base.code}"):
        activity = ServiceActivity(base=base, created_by=actor, updated_by=actor)
        _apply_activity(activity, data, base)
        _check_unlocked(base, [data.date.year])
        _save(entry=activity, before=None, actor=actor, request=request)
    return activity


def update_activity(*, activity: ServiceActivity, actor: User, data: ActivityInput,
                    request: HttpRequest | None = None) -> ServiceActivity:
    base = activity.base
    with _write(request=request, actor=actor, base=base, what=f"activity:{activity.pk}"):
        activity = ServiceActivity.objects.select_for_update(of=("self",)).select_related(
            "provider").get(pk=activity.pk)
        before = activity_snapshot(activity)
        old_year = activity.date.year
        _apply_activity(activity, data, base)
        # Moving an entry out of a locked year changes that year's figures too.
        _check_unlocked(base, [old_year, data.date.year])
        _save(entry=activity, before=before, actor=actor, request=request)
    return activity


def delete_activity(*, activity: ServiceActivity, actor: User,
                    request: HttpRequest | None = None) -> None:
    base = activity.base
    with _write(request=request, actor=actor, base=base, what=f"activity:{activity.pk}"):
        activity = ServiceActivity.objects.select_for_update(of=("self",)).select_related(
            "provider").get(pk=activity.pk)
        _check_unlocked(base, [activity.date.year])
        before = activity_snapshot(activity)
        before["attachments"] = [a.original_name for a in activity.attachments.all()]
        stored = list(activity.attachments.values_list("stored_name", flat=True))
        _log(base=base, actor=actor, kind=LedgerChange.Kind.ACTIVITY, obj=activity,
             action=LedgerChange.Action.DELETE, before=before, after=None, request=request)
        activity.delete()
        transaction.on_commit(lambda: [files.remove(name) for name in stored])


# --- attachments ---------------------------------------------------------------------------

def add_attachment(*, activity: ServiceActivity, actor: User, upload: UploadedFile,
                   request: HttpRequest | None = None) -> ActivityAttachment:
    base = activity.base
    name = files.clean_name(upload.name or "")
    with _write(request=request, actor=actor, base=base,
                what=f"activity:{activity.pk}/attachment"):
        activity = ServiceActivity.objects.select_for_update().get(pk=activity.pk)
        _check_unlocked(base, [activity.date.year])
        too_big = LedgerRefused(FILE_FIELD, f"“{name}”超过{files.MAX_BYTES // 2**20} MB，"
                                            "请压缩后再上传", label=FILE_LABEL)
        if upload.size is not None and upload.size > files.MAX_BYTES:
            raise too_big
        content = upload.read(files.MAX_BYTES + 1)
        if len(content) > files.MAX_BYTES:
            raise too_big
        content_type = files.detect_type(content)
        if content_type is None:
            raise LedgerRefused(
                FILE_FIELD, f"“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容识别，与扩展名无关）",
                label=FILE_LABEL)
        stored_name = files.store(content, base_id=base.pk)
        try:
            attachment = ActivityAttachment.objects.create(
                activity=activity, original_name=name, content_type=content_type,
                size=len(content), stored_name=stored_name, uploaded_by=actor)
            _log(base=base, actor=actor, kind=LedgerChange.Kind.ATTACHMENT, obj=attachment,
                 action=LedgerChange.Action.CREATE, before=None,
                 after=attachment_snapshot(attachment), request=request)
        except BaseException:
            files.remove(stored_name)
            raise
    return attachment


def delete_attachment(*, attachment: ActivityAttachment, actor: User,
                      request: HttpRequest | None = None) -> None:
    base = attachment.activity.base
    with _write(request=request, actor=actor, base=base, what=f"attachment:{attachment.pk}"):
        attachment = ActivityAttachment.objects.select_for_update(of=("self",)).select_related(
            "activity").get(pk=attachment.pk)
        _check_unlocked(base, [attachment.activity.date.year])
        _log(base=base, actor=actor, kind=LedgerChange.Kind.ATTACHMENT, obj=attachment,
             action=LedgerChange.Action.DELETE, before=attachment_snapshot(attachment),
             after=None, request=request)
        stored_name = attachment.stored_name
        attachment.delete()
        transaction.on_commit(lambda: files.remove(stored_name))


# --- institutions --------------------------------------------------------------------------

def counted_on_year_end(since: dt.date, until: dt.date | None, year: int) -> bool:
    """Whether an institution counts among the year's third-party institutions: cooperating
    on 31 December (since on or before it, until empty or after it; SPEC section 9)."""
    year_end = dt.date(year, 12, 31)
    return since <= year_end and (until is None or until > year_end)


def _years_changed(before: Institution | None, after: Institution | None) -> list[int]:
    """The years whose count of institutions the change alters: only those may be locked
    against it (ending a cooperation today leaves an approved past year as it was)."""
    present = [entry for entry in (before, after) if entry is not None]
    first = min(entry.since.year for entry in present)
    return [year for year in range(first, timezone.localdate().year + 1)
            if (before is not None and counted_on_year_end(before.since, before.until, year))
            != (after is not None and counted_on_year_end(after.since, after.until, year))]


def _apply_institution(institution: Institution, data: InstitutionInput, base: Base) -> None:
    institution.name = _check_text(Institution, "name", data.name, required=True)
    credit_code = (data.credit_code or "").strip()
    if credit_code:
        try:
            credit_code = validate_credit_code(credit_code)
        except ValidationError as exc:
            # The rule's message starts with the field's name; the page puts it in front.
            raise LedgerRefused("credit_code", exc.messages[0].removeprefix("统一社会信用代码"),
                                label="统一社会信用代码") from None
    institution.credit_code = credit_code
    if not data.categories:
        raise _refuse(Institution, "categories", "请至少选择一个服务类别")
    for category in data.categories:
        _check_category(Institution, "categories", category)
    institution.categories = [key for key, _ in CATEGORIES if key in set(data.categories)]
    _check_date(Institution, "since", data.since, base)
    if data.until is not None and data.until < data.since:
        raise _refuse(Institution, "until", f"不能早于合作起始日期（{data.since:%Y-%m-%d}）")
    institution.since, institution.until = data.since, data.until
    institution.external_id = _check_external_id(Institution, base, data.external_id,
                                                  institution.pk)


def create_institution(*, base: Base, actor: User, data: InstitutionInput,
                       request: HttpRequest | None = None) -> Institution:
    with _write(request=request, actor=actor, base=base, what=f"institution:new@{base.code}"):
        institution = Institution(base=base, created_by=actor, updated_by=actor)
        _apply_institution(institution, data, base)
        _check_unlocked(base, _years_changed(None, institution))
        _save(entry=institution, before=None, actor=actor, request=request)
    return institution


def update_institution(*, institution: Institution, actor: User, data: InstitutionInput,
                       request: HttpRequest | None = None) -> Institution:
    base = institution.base
    with _write(request=request, actor=actor, base=base, what=f"institution:{institution.pk}"):
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        previous = Institution(since=institution.since, until=institution.until)
        before = institution_snapshot(institution)
        _apply_institution(institution, data, base)
        _check_unlocked(base, _years_changed(previous, institution))
        _save(entry=institution, before=before, actor=actor, request=request)
    return institution


def delete_institution(*, institution: Institution, actor: User,
                       request: HttpRequest | None = None) -> None:
    base = institution.base
    with _write(request=request, actor=actor, base=base, what=f"institution:{institution.pk}"):
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        used = institution.activities.count()
        if used:
            raise LedgerRefused(None, f"该机构是{used}条服务活动的服务提供方，不能删除；"
                                      "合作结束时请填写合作终止日期")
        _check_unlocked(base, _years_changed(institution, None))
        _log(base=base, actor=actor, kind=LedgerChange.Kind.INSTITUTION, obj=institution,
             action=LedgerChange.Action.DELETE, before=institution_snapshot(institution),
             after=None, request=request)
        institution.delete()


# --- resends from the base's own platform ----------------------------------------------------

def upsert_activity(*, base: Base, actor: User, data: ActivityInput,
                    request: HttpRequest | None = None) -> tuple[ServiceActivity, bool]:
    """Create the activity, or update the one with the same `external_id`: a platform may
    send a record again without making a duplicate (SPEC section 9). True when created."""
    key = data.external_id.strip()
    existing = ServiceActivity.objects.filter(base=base, external_id=key).first() if key else None
    if existing is None:
        return create_activity(base=base, actor=actor, data=data, request=request), True
    return update_activity(activity=existing, actor=actor, data=data, request=request), False


def upsert_institution(*, base: Base, actor: User, data: InstitutionInput,
                       request: HttpRequest | None = None) -> tuple[Institution, bool]:
    """`upsert_activity` for institutions."""
    key = data.external_id.strip()
    existing = Institution.objects.filter(base=base, external_id=key).first() if key else None
    if existing is None:
        return create_institution(base=base, actor=actor, data=data, request=request), True
    return update_institution(institution=existing, actor=actor, data=data,
                              request=request), False
