"""Importing a data workbook (SPEC section 6): validate everything, then write in bulk.

Nothing is saved when any hard check fails; soft findings are listed but never block.
A report whose values and status are unchanged is left untouched, so importing the file
that was just exported changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from bases.audit import record
from bases.models import Base, City, User
from portal.bulk import copy_lines, copy_texts, insert_rows, native_postgresql
from portal.uploads import UploadScan
from reporting import indicators
from reporting.filing import checks
from reporting.filing.services import snapshot
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition
from reporting.statistics.cache import schedule_refresh
from reporting.workbook.data import (
    CellError,
    DataWorkbook,
    ErrorList,
    Source,
    read_data_workbook,
)

BATCH = 1000
#: A bulk load of at least this many values refreshes the planner's statistics afterwards.
ANALYZE_AFTER_VALUES = 20_000
COMMAND_LINE = "命令行"
IMPORT_STATUSES = (Status.APPROVED, Status.SUBMITTED, Status.DRAFT)

Values = dict[str, Value | None]
Stored = dict[str, Decimal]

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    bases_created: int = 0
    bases_updated: int = 0
    bases_unchanged: int = 0
    reports_created: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    errors: ErrorList = field(default_factory=ErrorList)
    findings: list[tuple[str, int, checks.Finding]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"发现 {self.errors.total} 个错误，未导入任何数据。"
        prefix = "预检（未保存）：" if self.dry_run else "导入完成："
        return (f"{prefix}基地 新增 {self.bases_created}、更新 {self.bases_updated}、"
                f"未变 {self.bases_unchanged}；报表 新增 {self.reports_created}、"
                f"更新 {self.reports_updated}、未变 {self.reports_unchanged}；"
                f"提示 {len(self.findings)} 条。")


def _storage(values: Values) -> Stored:
    """The values as stored: Indicator.to_storage, inlined (300,000 calls in a big import).
    A Decimal is stored as it is; an int or a bool becomes a whole Decimal."""
    stored: Stored = {}
    for code, value in values.items():
        if value is not None:
            stored[code] = value if type(value) is Decimal else Decimal(int(value))
    return stored


def _typed(stored: Stored) -> Values:
    return {code: indicators.BY_CODE[code].from_storage(value)
            for code, value in stored.items() if code in indicators.BY_CODE}


# --- validation ------------------------------------------------------------------------


def _check_bases(book: DataWorkbook, cities: dict[str, City]) -> ErrorList:
    errors = ErrorList()
    for row in book.bases:
        city = row.data.get("city")
        if city is not None and city not in cities:
            errors.append(CellError(book.bases_sheet, row.row, row.columns["city"], "市州",
                                    f"“{city}”不是湖南省的市州名称"))
    return errors


def _check_reports(book: DataWorkbook, known_codes: set[str]) -> ErrorList:
    errors = ErrorList()
    columns = book.report_columns
    missing_required = [i for i in indicators.ENTERED if i.required and i.code not in columns]
    for indicator in missing_required:
        errors.append(CellError(book.reports_sheet, 1, None, indicator.label, "缺少必填列"))
    skip_required = {i.code for i in missing_required}
    for row in book.reports:
        if row.base_code and row.base_code not in known_codes:
            errors.append(CellError(book.reports_sheet, row.row, columns["base_code"], "基地编码",
                                    f"未知的基地编码“{row.base_code}”（数据库和“{book.bases_sheet}”"
                                    "工作表中都没有）"))
        for code, messages in checks.hard_errors(row.values).items():
            if code in row.bad_codes:
                continue  # the cell itself is already reported
            for message in messages:
                if message == "必填" and code in skip_required:
                    continue
                errors.append(CellError(book.reports_sheet, row.row, columns.get(code),
                                        indicators.BY_CODE[code].label, message))
    return errors


def _findings(book: DataWorkbook) -> list[tuple[str, int, checks.Finding]]:
    """Soft findings against the previous year (from the workbook, else approved in the DB)."""
    in_book: dict[tuple[str, int], Values] = {
        (row.base_code, row.year): row.values for row in book.reports if row.year is not None
    }
    previous_years = {year - 1 for _, year in in_book}
    previous: dict[tuple[str, int], Values] = defaultdict(dict)
    stored = (ReportValue.objects
              .filter(report__year__in=previous_years, report__status=Status.APPROVED)
              .values_list("report__base__code", "report__year", "code", "value"))
    raw: dict[tuple[str, int], Stored] = defaultdict(dict)
    for base_code, year, code, value in stored.iterator(chunk_size=5000):
        raw[(base_code, year)][code] = value
    for key, values in raw.items():
        previous[key] = _typed(values)
    for (base_code, year), values in in_book.items():
        if year in previous_years:
            previous[(base_code, year)] = values  # the workbook's figures win
    medians: dict[int, dict[str, Decimal]] = {}
    for year in previous_years:
        medians[year] = checks.medians_of(values for (_, y), values in previous.items()
                                          if y == year)
    findings = []
    for (base_code, year), values in sorted(in_book.items()):
        for finding in checks.soft_findings(values, previous=previous.get((base_code, year - 1)),
                                            medians=medians.get(year - 1)):
            findings.append((base_code, year, finding))
    return findings


# --- the plan and the write ------------------------------------------------------------


@dataclass
class _Existing:
    pk: int
    status: str
    #: code -> (ReportValue id, stored value)
    stored: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


@dataclass
class _ReportWrite:
    base_code: str
    year: int
    values: Values
    #: None for a new report.
    existing: _Existing | None
    #: ReportValue ids to delete and (code, value) rows to insert: only what differs.
    delete_ids: list[int] = field(default_factory=list)
    inserts: list[tuple[str, Decimal]] = field(default_factory=list)
    pk: int | None = None


@dataclass
class _Plan:
    new_bases: list[Base] = field(default_factory=list)
    changed_bases: list[Base] = field(default_factory=list)
    new_reports: list[_ReportWrite] = field(default_factory=list)
    changed_reports: list[_ReportWrite] = field(default_factory=list)
    unchanged_bases: int = 0
    unchanged_reports: int = 0


def _plan_bases(book: DataWorkbook, existing: dict[str, Base], cities: dict[str, City],
                plan: _Plan) -> None:
    for row in book.bases:
        data: dict[str, Any] = dict(row.data)
        if "city" in data:
            data["city_id"] = cities[data.pop("city")].pk
        base = existing.get(row.code)
        if base is None:
            plan.new_bases.append(Base(**data))
            continue
        changed = False
        for attr, value in data.items():
            if attr != "code" and getattr(base, attr) != value:
                setattr(base, attr, value)
                changed = True
        if changed:
            plan.changed_bases.append(base)
        else:
            plan.unchanged_bases += 1


def _chunks(items: list, size: int = BATCH // 2) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def _existing_reports(book: DataWorkbook, *, lock: bool) -> dict[tuple[str, int], _Existing]:
    """The reports the workbook names that already exist, with their stored values."""
    codes = sorted({row.base_code for row in book.reports})
    years = {row.year for row in book.reports}
    wanted = {(row.base_code, row.year) for row in book.reports}
    found: dict[tuple[str, int], _Existing] = {}
    for chunk in _chunks(codes):
        reports = Report.objects.filter(base__code__in=chunk, year__in=years).order_by("pk")
        if lock:
            reports = reports.select_for_update(of=("self",))
        for pk, code, year, status in reports.values_list("pk", "base__code", "year", "status"):
            if (code, year) in wanted:
                found[(code, year)] = _Existing(pk, status)
    by_pk = {existing.pk: existing for existing in found.values()}
    for chunk in _chunks(sorted(by_pk)):
        rows = (ReportValue.objects.filter(report_id__in=chunk)
                .values_list("id", "report_id", "code", "value"))
        for value_id, report_id, code, value in rows:
            by_pk[report_id].stored[code] = (value_id, value)
    return found


def _plan_reports(book: DataWorkbook, status: str, plan: _Plan, *, lock: bool) -> None:
    existing = _existing_reports(book, lock=lock)
    for row in book.reports:
        assert row.year is not None
        new = _storage(row.values)
        current = existing.get((row.base_code, row.year))
        write = _ReportWrite(row.base_code, row.year, row.values, current)
        if current is None:
            write.inserts = list(new.items())
            plan.new_reports.append(write)
            continue
        old = current.stored
        write.delete_ids = [value_id for code, (value_id, value) in old.items()
                            if new.get(code) != value]
        write.inserts = [(code, value) for code, value in new.items()
                         if code not in old or old[code][1] != value]
        if current.status == status and not write.delete_ids and not write.inserts:
            plan.unchanged_reports += 1
        else:
            plan.changed_reports.append(write)


def _set_status(report: Report, status: str, now: Any) -> None:
    """The fields of a new report created by an import with `status`."""
    report.status = status
    report.approved_at = now if status == Status.APPROVED else None
    if status in (Status.SUBMITTED, Status.APPROVED):
        report.submitted_at = report.first_submitted_at = now


def _status_update(status: str, now: Any) -> dict[str, Any]:
    """The UPDATE of an existing report moved to `status` by an import (version + 1)."""
    fields: dict[str, Any] = {"status": status, "version": F("version") + 1, "updated_at": now,
                              "approved_at": now if status == Status.APPROVED else None}
    if status in (Status.SUBMITTED, Status.APPROVED):
        fields["submitted_at"] = Coalesce("submitted_at", V(now))
        fields["first_submitted_at"] = Coalesce("first_submitted_at", V(now))
    return fields


def _insert_values(groups: list[tuple[int, list[tuple[str, Decimal]]]], *, native: bool) -> int:
    """Insert each (report_id, [(code, value), ...]) group's values: COPY where `native`
    (PostgreSQL), batched INSERTs elsewhere. Returns the number of values inserted."""
    count = sum(len(rows) for _, rows in groups)
    if not count:
        return 0
    if native:
        # Codes come from the catalog and values are Decimals: no tab, newline or "\\".
        copy_lines(ReportValue, ("report", "code", "value"),
                   ("".join([f"{report_id}\t{code}\t{value}\n" for code, value in rows])
                    for report_id, rows in groups))
        return count
    objects = (ReportValue(report_id=report_id, code=code, value=value)
               for report_id, rows in groups for code, value in rows)
    # Whole statements per slice (SQLite caps the parameters of one INSERT), never all rows.
    fields = [field for field in ReportValue._meta.concrete_fields if not field.primary_key]
    per_statement = min(BATCH, connection.ops.bulk_batch_size(fields, [None] * BATCH))
    while batch := list(islice(objects, per_statement * 20)):
        ReportValue.objects.bulk_create(batch, batch_size=per_statement)
    return count


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL).

    Without them the statistics pages plan for empty tables until the next autovacuum
    (never, where autovacuum is off): nested loops over every report, 10x slower or worse.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table)
                       for model in (Base, Report, ReportValue))
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
    except DatabaseError:  # e.g. not the tables' owner: slower plans, never a failed import
        logger.warning("ANALYZE after the import failed", exc_info=True)


def _write(plan: _Plan, *, status: str, actor: User | None) -> int:
    """Write the plan; returns the number of values inserted."""
    now = timezone.now()
    native = native_postgresql()
    if native:
        # bulk_create prepares every field of every object through Django (most of the
        # write's Python time at 3,000 bases); unnest takes the same values as arrays.
        names = [f.attname for f in Base._meta.concrete_fields if not f.primary_key]
        insert_rows(Base, names, [[getattr(base, name) for name in names]
                                  for base in plan.new_bases])
    else:
        Base.objects.bulk_create(plan.new_bases, batch_size=BATCH)
    Base.objects.bulk_update(plan.changed_bases, ["name", "city", "county", "batch"],
                             batch_size=BATCH)
    base_ids: dict[str, int] = {}
    for chunk in _chunks(sorted({write.base_code for write in plan.new_reports})):
        base_ids.update(Base.objects.filter(code__in=chunk).values_list("code", "id"))

    # A new report's fields as bulk_create would save them (auto_now and auto_now_add
    # included: the import's `now`); the rest get their model defaults.
    prototype = Report(year=0, version=1, created_at=now, updated_at=now)
    _set_status(prototype, status, now)
    names = ("base_id", "year", "version", "status", "created_at", "updated_at",
             "approved_at", "submitted_at", "first_submitted_at")
    shared = tuple(getattr(prototype, name) for name in names[2:])
    rows = [(base_ids[write.base_code], write.year, *shared) for write in plan.new_reports]
    if native:
        report_ids = insert_rows(Report, names, rows)
    else:  # the driver's plain path, as the values and transitions take below
        reports = [Report(**dict(zip(names, row, strict=True))) for row in rows]
        Report.objects.bulk_create(reports, batch_size=BATCH)
        report_ids = [report.pk for report in reports]
    if report_ids and report_ids[0] is None:  # a backend that returns no ids
        ids: dict[tuple[int, int], int] = {}
        for chunk in _chunks(sorted(set(base_ids.values()))):
            ids.update(((base_id, year), pk) for pk, base_id, year in Report.objects.filter(
                base_id__in=chunk).values_list("pk", "base_id", "year"))
        report_ids = [ids[(base_ids[write.base_code], write.year)]
                      for write in plan.new_reports]
    for write, pk in zip(plan.new_reports, report_ids, strict=True):
        write.pk = pk

    # Every changed report gets the same status and timestamps: one UPDATE per chunk.
    for chunk in _chunks([write.existing.pk for write in plan.changed_reports
                          if write.existing is not None]):
        Report.objects.filter(pk__in=chunk).update(**_status_update(status, now))
    delete_ids = [value_id for write in plan.changed_reports for value_id in write.delete_ids]
    for chunk in _chunks(delete_ids, BATCH):
        ReportValue.objects.filter(pk__in=chunk).delete()

    writes = [*plan.new_reports, *plan.changed_reports]
    for write in writes:
        if write.existing is not None:
            write.pk = write.existing.pk
        assert write.pk is not None
    inserted = _insert_values([(write.pk, write.inserts) for write in writes], native=native)
    comment = f"由{actor.get_username() if actor else COMMAND_LINE}导入"
    prototype = Transition(report_id=0, action=Transition.Action.IMPORT, from_status="",
                           to_status=status, actor=actor, at=now, comment=comment)
    if native:
        _copy_transitions(prototype, writes)
    else:
        for chunk in _chunks(writes, BATCH):  # built per batch: 1,000 snapshots at a time
            Transition.objects.bulk_create([Transition(
                report_id=write.pk, action=Transition.Action.IMPORT,
                from_status=write.existing.status if write.existing else "",
                to_status=status, actor=actor, at=now, comment=comment,
                snapshot=snapshot(write.values)) for write in chunk], batch_size=BATCH)
    schedule_refresh(years={write.year for write in writes},
                     bases=bool(plan.new_bases or plan.changed_bases))
    return inserted


def _copy_transitions(prototype: Transition, writes: list[_ReportWrite]) -> None:
    """COPY one import transition per write (PostgreSQL).

    Every column but the report, the previous status and the snapshot is the same for all
    rows: it is prepared once, from `prototype`, by the fields themselves (defaults
    included), and only the three differ per row.
    """
    meta = Transition._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    previous_field, snapshot_field = meta.get_field("from_status"), meta.get_field("snapshot")
    texts = [copy_texts(field, [field.pre_save(prototype, True)])[0] for field in fields]
    columns = [field.attname for field in fields]
    report, previous, values = (columns.index(name) for name in
                                ("report_id", "from_status", "snapshot"))
    statuses = {write.existing.status if write.existing else "" for write in writes}
    status_texts = dict(zip(statuses, copy_texts(previous_field, list(statuses)), strict=True))

    def rows() -> Iterator[str]:
        for write in writes:
            texts[report] = str(write.pk)
            texts[previous] = status_texts[write.existing.status if write.existing else ""]
            texts[values] = copy_texts(snapshot_field, [snapshot(write.values)])[0]
            yield "\t".join(texts) + "\n"

    copy_lines(Transition, columns, rows())


# --- the service -----------------------------------------------------------------------


def _file_name(file: Source) -> str:
    name = getattr(file, "name", None) or str(file)
    return str(name).replace("\\", "/").rsplit("/", 1)[-1][:100]


def import_data_workbook(
    *,
    file: Source,
    actor: User | None,
    status: str = Status.APPROVED,
    dry_run: bool = False,
    request: HttpRequest | None = None,
    scan: UploadScan | None = None,
) -> ImportResult:
    """Validate the whole workbook, then (unless dry_run or any error) upsert it in bulk.

    `scan`: the upload guard's result, when the caller has just run it on `file`."""
    if status not in IMPORT_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    return import_book(book=read_data_workbook(file, scan=scan), actor=actor, status=status,
                       dry_run=dry_run, request=request, source=f"workbook:{_file_name(file)}")


def import_book(
    *,
    book: DataWorkbook,
    actor: User | None,
    status: str = Status.APPROVED,
    dry_run: bool = False,
    request: HttpRequest | None = None,
    source: str = "workbook",
) -> ImportResult:
    """The import of an already-read workbook (a file, or records built in memory)."""
    if status not in IMPORT_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    result = ImportResult(dry_run=dry_run)
    result.errors.extend(book.errors)
    cities = {city.name: city for city in City.objects.all()}
    sheet_codes = {row.code for row in book.bases if row.code}
    report_codes = {row.base_code for row in book.reports if row.base_code}
    inserted = 0
    try:
        with transaction.atomic():
            existing_bases = Base.objects.in_bulk(sorted(sheet_codes | report_codes),
                                                  field_name="code")
            result.errors.extend(_check_bases(book, cities))
            if book.has_reports_sheet and book.report_columns.keys() >= {"base_code", "year"}:
                result.errors.extend(_check_reports(book, sheet_codes | set(existing_bases)))
            if result.ok:
                result.findings = _findings(book)
                plan = _Plan()
                _plan_bases(book, existing_bases, cities, plan)
                _plan_reports(book, status, plan, lock=not dry_run)
                result.bases_created = len(plan.new_bases)
                result.bases_updated = len(plan.changed_bases)
                result.bases_unchanged = plan.unchanged_bases
                result.reports_created = len(plan.new_reports)
                result.reports_updated = len(plan.changed_reports)
                result.reports_unchanged = plan.unchanged_reports
                if not dry_run:
                    inserted = _write(plan, status=status, actor=actor)
    except IntegrityError:
        # Someone created the same base or report while this import ran: nothing was saved.
        inserted = 0
        result = ImportResult(dry_run=dry_run)
        result.errors.append(CellError("", None, None, "",
                                       "导入期间数据被他人修改，未保存任何数据，请重新导入。"))
    if inserted >= ANALYZE_AFTER_VALUES:
        _analyze()
    outcome = "dry_run" if dry_run else "success" if result.ok else "rejected"
    who = actor.get_username() if actor else COMMAND_LINE
    record(request, "import_workbook", object_repr=source,
           outcome=outcome, actor=actor,
           detail=f"操作人：{who}；状态：{Status(status).label}；{result.summary()}")
    return result
