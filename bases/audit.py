from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from bases.models import AuditEvent, AuditRecordImmutable, User
from portal.sheet_layout import header_cells, page_setup, set_widths
from portal.spreadsheet import date_cell, text_cell


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def storable(text: str) -> str:
    """`text` without what neither database stores (NUL, unpaired surrogates): a hostile
    path or value must still leave its audit record."""
    return "".join(c for c in text if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)


#: Set on a request once a refusal of it is in the log: the 403 handlers that see the
#: refusal afterwards (DRF's, Django's) then do not record it a second time.
REFUSAL_RECORDED = "_audit_refusal_recorded"


def _requests(request: HttpRequest | None) -> list:
    """The request and, for DRF's Request wrapper, the HttpRequest inside it."""
    return [r for r in (request, getattr(request, "_request", None)) if r is not None]


def refusal_recorded(request: HttpRequest) -> bool:
    return any(getattr(r, REFUSAL_RECORDED, False) for r in _requests(request))


def record(request: HttpRequest | None, event: str, *, object_repr: str = "",
           outcome: str = "success", detail: str = "", actor: User | None = None) -> AuditEvent:
    """Append one audit record. Never pass secrets (passwords, tokens) in `detail`."""
    user = getattr(request, "user", None)  # none yet when a middleware before auth failed
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    event_record = AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        ip=client_ip(request),
        event=event,
        object_repr=storable(object_repr)[:200],
        outcome=outcome,
        detail=storable(detail),
    )
    if outcome == "denied":
        for each in _requests(request):
            setattr(each, REFUSAL_RECORDED, True)
    return event_record


def purge_older_than(*, days: int) -> int:
    """Delete the audit records older than `days` (at least the retention); the count.

    On PostgreSQL this is the one DELETE the audit table's trigger lets through (migration
    bases 0005): the transaction says so with `portal.audit_purge`, and the trigger still
    refuses any record younger than the retention.
    """
    if days < settings.AUDIT_RETENTION_DAYS:
        raise AuditRecordImmutable(
            f"审计记录须保留至少{settings.AUDIT_RETENTION_DAYS}天，不能删除{days}天内的记录")
    cutoff = timezone.now() - timedelta(days=days)
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgresql:
            _set_purge_flag("on")
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        if postgresql:
            _set_purge_flag("off")  # SET LOCAL would outlive a savepoint in an outer transaction
    return deleted


def _set_purge_flag(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.audit_purge', %s, true)", [value])


def audit_workbook(events) -> HttpResponse:
    """The filtered log as .xlsx, streamed row by row so a long log stays cheap."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    set_widths(sheet, (20, 16, 16, 24, 30, 10, 60))
    sheet.freeze_panes = "A2"
    page_setup(sheet, landscape=True, title_rows="1:1", footer="审计日志")
    sheet.append(header_cells(sheet, ("时间", "用户名", "来源IP", "事件", "对象", "结果",
                                      "详情")))
    for event in events.iterator(chunk_size=2000):
        sheet.append([date_cell(sheet, timezone.localtime(event.at).replace(tzinfo=None)),
                      *[text_cell(sheet, text) for text in (
                          event.actor_username, event.ip, event.event, event.object_repr,
                          event.outcome, event.detail)]])
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="audit-log.xlsx"'
    workbook.save(response)
    return response


class CappedPaginator(Paginator):
    """Pages of the append-only audit log without counting all of it on every view.

    The log only grows (millions of rows within a few years) and COUNT(*) reads all of it;
    this counts at most `cap` + 1 rows, so a view costs the same at any size. Past the cap
    the last page is the cap's; the page says so, and the filters (dates, user, event)
    reach older records.
    """

    def __init__(self, object_list, per_page: int, *, cap: int = 10_000) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        """Matching rows, counted up to cap + 1 (unordered: which ones does not matter, a
        sort would)."""
        return self.object_list.order_by()[:self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap
