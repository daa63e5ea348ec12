from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from bases.models import AuditEvent, User
from portal.spreadsheet import text_cell


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


def audit_workbook(events) -> HttpResponse:
    """The filtered log as .xlsx, streamed row by row so a long log stays cheap."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.append([text_cell(sheet, heading)
                  for heading in ("时间", "用户名", "来源IP", "事件", "对象", "结果", "详情")])
    for event in events.iterator(chunk_size=2000):
        sheet.append([timezone.localtime(event.at).replace(tzinfo=None),
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
