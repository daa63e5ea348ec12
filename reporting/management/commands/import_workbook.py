"""python manage.py import_workbook FILE [--status approved|submitted|draft] [--dry-run]."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bases.models import User
from reporting.workbook.data import WorkbookError, check_upload
from reporting.workbook.importer import IMPORT_STATUSES, import_data_workbook


class Command(BaseCommand):
    help = "导入数据工作簿（bases / reports 两个工作表）；任何硬性校验不通过则不导入任何数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="数据工作簿（.xlsx）")
        parser.add_argument("--status", choices=[str(s) for s in IMPORT_STATUSES],
                            default="approved", help="导入后报表的状态（默认 approved）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不保存")
        parser.add_argument("--actor", default=None,
                            help="记录为操作人的用户名（默认记录为“命令行”）")

    def handle(self, *args, file: str, status: str, dry_run: bool, actor: str | None,
               **options) -> None:
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"用户“{actor}”不存在")
        try:
            scan = check_upload(file, max_bytes=None)
        except WorkbookError as exc:
            raise CommandError(str(exc)) from None
        result = import_data_workbook(file=file, actor=user, status=status, dry_run=dry_run,
                                      scan=scan)
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors.untold:
            self.stderr.write(f"……另有 {result.errors.untold} 个错误未列出。")
        if not result.ok:
            raise CommandError(result.summary())
        for base_code, year, finding in result.findings:
            self.stdout.write(f"提示 {base_code} {year} {finding.field}：{finding.message}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
