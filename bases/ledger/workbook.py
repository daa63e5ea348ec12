"""The activities workbook (SPEC section 9): export per base and year or province-wide, and
import into one base, all or nothing.

Columns: 日期 / 服务类别 / 活动名称 / 服务企业家次 / 服务机构 / 备注 / 外部编号 (the codes
date, category, ... are accepted as headers too). A province-wide export puts 基地编码 and
基地名称 in front; importing it into a base accepts those columns when they name that base.

The import reads through portal.sheets (the upload guard first), checks every row with the
same rules as the ledger's services, and writes with bulk operations in one transaction:
each created or changed activity gets its LedgerChange (before and after), unchanged rows
are left alone, so importing the same file twice changes nothing. A row whose 外部编号 is
already in the base's ledger updates that activity (a resend, as through the API).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from bases.audit import record
from bases.hooks import year_locked
from bases.ledger import services
from bases.ledger.categories import LABELS
from bases.ledger.models import ENTERPRISES_SERVED_MAX, Institution, LedgerChange, ServiceActivity
from bases.models import Base, User
from portal.bulk import insert_rows, update_rows
from portal.sheets import (
    CellError,
    CellProblem,
    ErrorList,
    clean_text,
    date_value,
    is_empty,
    read_sheets,
    text_value,
    whole_number,
)
from portal.spreadsheet import number_cell, text_cell
from portal.uploads import Source, UploadRefused

SHEET = "服务活动"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", "日期"), ("category", "服务类别"), ("title", "活动名称"),
    ("enterprises_served", "服务企业家次"), ("provider", "服务机构"), ("note", "备注"),
    ("external_id", "外部编号"),
)
BASE_COLUMNS: tuple[tuple[str, str], ...] = (("base_code", "基地编码"), ("base_name", "基地名称"))
LABEL = dict(COLUMNS + BASE_COLUMNS)
REQUIRED = ("date", "category", "title")
#: What the 服务机构 column says when the base itself provided the service.
SELF = "本基地"
_HEADERS = {**{key: key for key in LABEL}, **{text: key for key, text in LABEL.items()}}
_CATEGORY = {**{key: key for key in LABELS}, **{text: key for key, text in LABELS.items()}}
_MAX_LENGTH = {name: ServiceActivity._meta.get_field(name).max_length
               for name in ("title", "external_id")}
_MAX_LENGTH["note"] = 2000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: ErrorList = field(default_factory=ErrorList)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    row: int
    data: services.ActivityInput
    date_column: str | None = None
    sheet: str = SHEET


# --- export --------------------------------------------------------------------------------


def write_activities(target: str | IO[bytes], *, activities: QuerySet[ServiceActivity],
                     with_base: bool = False) -> int:
    """Stream `activities` to an .xlsx in the import's layout; returns the row count.

    Every user-typed text goes through the one cell writer (portal.spreadsheet)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    columns = (BASE_COLUMNS if with_base else ()) + COLUMNS
    sheet.append([text_cell(sheet, text) for _key, text in columns])
    rows = (activities.order_by("base__code", "date", "id")
            .values_list("base__code", "base__name", "date", "category", "title",
                         "enterprises_served", "provider__name", "note", "external_id")
            .iterator(chunk_size=2000))
    count = 0
    for code, name, date, category, title, served, provider, note, external_id in rows:
        line = [text_cell(sheet, code), text_cell(sheet, name)] if with_base else []
        line += [text_cell(sheet, date.isoformat()), text_cell(sheet, LABELS[category]),
                 text_cell(sheet, title), number_cell(sheet, served),
                 text_cell(sheet, provider or SELF), text_cell(sheet, note),
                 text_cell(sheet, external_id)]
        sheet.append(line)
        count += 1
    workbook.save(target)
    return count


def write_province_activities(target: str | IO[bytes], *, year: int) -> int:
    """Every base's activities of `year`, the base in front (the province's background job)."""
    return write_activities(target, activities=ServiceActivity.objects.filter(date__year=year),
                            with_base=True)


# --- import --------------------------------------------------------------------------------


def _find_sheet(sheets: dict[str, list[list]]) -> str:
    return SHEET if SHEET in sheets else next(iter(sheets))


def _header(name: str, header: list, errors: ErrorList) -> dict[int, str]:
    keys: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(header):
        if is_empty(raw):
            continue
        letter = get_column_letter(index + 1)
        text = clean_text(raw) if isinstance(raw, str | int | float) else ""
        key = _HEADERS.get(text)
        if key is None:
            errors.append(CellError(name, 1, letter, text[:40], "未知的列标题，应为："
                                    + " / ".join(text for _k, text in COLUMNS)))
        elif key in seen:
            errors.append(CellError(name, 1, letter, LABEL[key],
                                    f"列标题重复（与 {seen[key]} 列相同）"))
        else:
            keys[index] = key
            seen[key] = letter
    for key in REQUIRED:
        if key not in seen and keys:
            errors.append(CellError(name, 1, None, LABEL[key], "缺少这一列"))
    return keys


@dataclass
class _Context:
    base: Base
    institutions: dict[str, list[int]]
    today: dt.date
    external_rows: dict[str, int]


def _parse_row(values: dict[str, Any], number: int, context: _Context,
               ) -> tuple[services.ActivityInput | None, list[tuple[str, str]]]:
    """One row's activity, or the (column key, message) of each problem in it."""
    base = context.base
    problems: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    for key, raw in values.items():
        if key in ("date", "enterprises_served"):
            continue
        try:
            texts[key] = text_value(raw)
        except CellProblem as exc:
            problems.append((key, str(exc)))
    for key, limit in _MAX_LENGTH.items():
        if len(texts.get(key, "")) > limit:
            problems.append((key, f"不能超过{limit}个字符（当前{len(texts[key])}个）"))
    if texts.get("base_code") and texts["base_code"] != base.code:
        problems.append(("base_code", f"只能导入本基地（{base.code}）的服务活动"))
    date = None
    if is_empty(values.get("date")):
        problems.append(("date", "必填"))
    else:
        date = date_value(values["date"])
        if date is None:
            problems.append(("date", "应为日期，如 2018-05-10"))
        elif date > context.today:
            problems.append(("date", f"不能晚于今天（{context.today:%Y-%m-%d}）"))
        elif base.year_designated and date.year < base.year_designated:
            problems.append(("date", f"不能早于基地的认定年份（{base.year_designated}年）"))
    category = _CATEGORY.get(texts.get("category", ""))
    if category is None and "category" in texts:
        problems.append(("category", f"“{texts['category'][:20]}”不是服务类别，可选："
                                     + "、".join(LABELS.values())))
    if not texts.get("title", "x"):  # absent from texts: its problem is already listed
        problems.append(("title", "必填"))
    served: int | None = 0
    if not is_empty(values.get("enterprises_served")):
        served = whole_number(values["enterprises_served"])
        if served is None or not 0 <= served <= ENTERPRISES_SERVED_MAX:
            problems.append(("enterprises_served", f"须为0至{ENTERPRISES_SERVED_MAX}之间的整数"))
    provider_id = None
    provider = texts.get("provider", "")
    if provider and provider != SELF:
        found = context.institutions.get(provider, [])
        if len(found) == 1:
            provider_id = found[0]
        elif found:
            problems.append(("provider", f"本基地有{len(found)}家名为“{provider[:40]}”的机构，"
                                         "请先在“第三方服务机构”中改名区分"))
        else:
            problems.append(("provider", f"“{provider[:40]}”不是本基地登记的第三方服务机构"))
    external_id = texts.get("external_id", "")
    if external_id:
        if external_id in context.external_rows:
            problems.append(("external_id", f"与第{context.external_rows[external_id]}行重复"))
        else:
            context.external_rows[external_id] = number
    if problems or date is None or category is None or served is None:
        return None, problems
    return services.ActivityInput(
        date=date, category=category, title=texts.get("title", ""), provider_id=provider_id,
        enterprises_served=served, note=texts.get("note", ""), external_id=external_id), []


def read_activities(file: Source, *, base: Base) -> tuple[list[_Row], ErrorList]:
    """The file's rows as ActivityInput (provider_id resolved among the base's institutions)
    and every problem, positioned. Never raises on bad input."""
    errors = ErrorList()
    try:
        sheets = read_sheets(file)
    except UploadRefused as exc:
        errors.append(CellError("", None, None, "", str(exc)))
        return [], errors
    name = _find_sheet(sheets)
    rows = sheets[name]
    if not rows:
        errors.append(CellError(name, None, None, "", "工作表是空的"))
        return [], errors
    keys = _header(name, rows[0], errors)
    letters = {key: get_column_letter(index + 1) for index, key in keys.items()}
    institutions: dict[str, list[int]] = {}
    for pk, institution_name in Institution.objects.filter(base=base).values_list("id", "name"):
        institutions.setdefault(institution_name.strip(), []).append(pk)
    context = _Context(base, institutions, timezone.localdate(), {})
    parsed: list[_Row] = []
    for number, raw_row in enumerate(rows[1:], start=2):
        values = {key: raw_row[index] if index < len(raw_row) else ""
                  for index, key in keys.items()}
        if all(is_empty(value) for value in values.values()):
            continue
        data, problems = _parse_row(values, number, context)
        for key, message in problems:
            errors.append(CellError(name, number, letters.get(key), LABEL[key], message))
        if data is not None and not problems:
            parsed.append(_Row(number, data, letters.get("date"), name))
    if not parsed and not errors:
        errors.append(CellError(name, None, None, "", "没有服务活动数据行"))
    return parsed, errors


def _same(activity: ServiceActivity, data: services.ActivityInput) -> bool:
    return (activity.date == data.date and activity.category == data.category
            and activity.title == data.title and activity.provider_id == data.provider_id
            and activity.enterprises_served == data.enterprises_served
            and activity.note == data.note)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an import holds its rows.

    The tens of thousands of cells, rows and tuples an import keeps until it ends make the
    collector run full passes over every object of the process (two in a 10,000-row import,
    about 0.2 s of CPU); none of them form cycles, and reference counting frees them as
    usual. Left alone when something else has paused it already."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@_cyclic_gc_paused()
def import_activities(*, base: Base, actor: User, file: Source,
                      request: HttpRequest | None = None) -> ImportResult:
    """Import an activities workbook into `base`'s ledger: everything or nothing."""
    rows, errors = read_activities(file, base=base)
    result = ImportResult(errors=errors)
    if not errors:
        existing = {activity.external_id: activity for activity in ServiceActivity.objects
                    .filter(base=base, external_id__in=[r.data.external_id for r in rows
                                                        if r.data.external_id])}
        years = {r.data.date.year for r in rows} | {a.date.year for a in existing.values()}
        locked = {year for year in years if year_locked(base, year)}
        for row in rows if locked else ():
            old = existing.get(row.data.external_id)
            touched = {row.data.date.year} | ({old.date.year} if old else set())
            if touched & locked and not (old is not None and _same(old, row.data)):
                year = min(touched & locked)
                errors.append(CellError(row.sheet, row.row, row.date_column, LABEL["date"],
                                        services.LOCKED_MESSAGE.format(year=year)))
    if errors:
        record(request, "ledger_import", object_repr=f"base:{base.code}", outcome="denied",
               detail=f"{errors.total}处错误：{errors[0]}"[:500], actor=actor)
        return result
    try:
        with transaction.atomic():
            services._check_writer(actor, base)
            _write(base=base, actor=actor, rows=rows, existing=existing, result=result)
            record(request, "ledger_import", object_repr=f"base:{base.code}",
                   detail=f"新增{result.created}条，修改{result.updated}条，"
                          f"未变{result.unchanged}条", actor=actor)
    except IntegrityError:
        # Another write (a second upload, the platform's push) took an 外部编号 meanwhile.
        result.errors.append(CellError("", None, None, "",
                                       "导入期间台帐被同时修改，未导入任何数据，请重新上传"))
    except services.LedgerRefused as exc:
        record(request, "ledger_import", object_repr=f"base:{base.code}", outcome="denied",
               detail=str(exc)[:500], actor=actor)
        result.errors.append(CellError("", None, None, "", str(exc)))
    return result


_FIELDS = ("date", "category", "title", "provider_id", "enterprises_served", "note",
           "external_id")


def _write(*, base: Base, actor: User, rows: list[_Row],
           existing: dict[str, ServiceActivity], result: ImportResult) -> None:
    """Plain rows through portal.bulk (no model instance per activity), each created or
    changed activity with its LedgerChange."""
    names = dict(Institution.objects.filter(base=base).values_list("id", "name"))
    now = timezone.now()
    new: list[tuple] = []
    updates: list[tuple] = []
    history: list[tuple] = []  # (activity id or -index in `new`, action, before, values)
    for row in rows:
        data = row.data
        old = existing.get(data.external_id) if data.external_id else None
        if old is not None and _same(old, data):
            result.unchanged += 1
            continue
        values = tuple(getattr(data, name) for name in _FIELDS)
        if old is None:
            new.append(values)
            history.append((-len(new), LedgerChange.Action.CREATE, None, values))
        else:
            updates.append((old.pk, *values, actor.pk, now))
            history.append((old.pk, LedgerChange.Action.UPDATE, _snapshot(old, names), values))
    ids = insert_rows(ServiceActivity, ("base_id", *_FIELDS, "created_by_id", "updated_by_id",
                                        "created_at", "updated_at"),
                      [(base.pk, *values, actor.pk, actor.pk, now, now) for values in new])
    update_rows(ServiceActivity, (*_FIELDS, "updated_by_id", "updated_at"), updates)
    username = actor.get_username()
    changes = []
    for key, action, before, values in history:
        after = _snapshot_of(dict(zip(_FIELDS, values, strict=True)), names)
        changes.append((base.pk, actor.pk, username, LedgerChange.Kind.ACTIVITY,
                        ids[-key - 1] if key < 0 else key,
                        f"{after['date']} {after['title']}"[:200], action, before, after, now))
    insert_rows(LedgerChange, ("base_id", "actor_id", "actor_username", "kind", "object_id",
                               "object_repr", "action", "before", "after", "at"), changes)
    result.created, result.updated = len(new), len(updates)


def _snapshot_of(values: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """services.activity_snapshot of an activity given as its field values."""
    return {
        "date": values["date"].isoformat(), "category": values["category"],
        "title": values["title"], "provider": names.get(values["provider_id"], SELF),
        "enterprises_served": values["enterprises_served"], "note": values["note"],
        "external_id": values["external_id"],
    }


def _snapshot(activity: ServiceActivity, names: dict[int, str]) -> dict[str, Any]:
    return _snapshot_of({name: getattr(activity, name) for name in _FIELDS}, names)


def export_name(*parts: object) -> str:
    """A download name such as 服务台帐-A001-2018.xlsx (letters, digits and - only)."""
    text = "-".join(str(part) for part in parts)
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_") + ".xlsx"
