from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bases.audit import record
from bases.models import AuditEvent


class Command(BaseCommand):
    help = "删除早于指定天数的审计记录（不得少于保留期限，默认180天）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than-days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, **options) -> None:
        days = options["older_than_days"]
        if days < settings.AUDIT_RETENTION_DAYS:
            raise CommandError(
                f"审计记录须保留至少{settings.AUDIT_RETENTION_DAYS}天，不能删除{days}天内的记录")
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        record(None, "audit_purged", detail=f"older_than_days={days} deleted={deleted}")
        self.stdout.write(f"已删除 {deleted} 条早于 {cutoff:%Y-%m-%d} 的审计记录")
