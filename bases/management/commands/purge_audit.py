from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bases.audit import purge_older_than, record
from bases.models import AuditRecordImmutable


class Command(BaseCommand):
    help = "删除早于指定天数的审计记录（不得少于保留期限，默认180天）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than-days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, **options) -> None:
        days = options["older_than_days"]
        try:
            deleted = purge_older_than(days=days)
        except AuditRecordImmutable as exc:
            raise CommandError(str(exc)) from None
        record(None, "audit_purged", detail=f"older_than_days={days} deleted={deleted}")
        self.stdout.write(f"已删除 {deleted} 条早于 {days} 天的审计记录")
