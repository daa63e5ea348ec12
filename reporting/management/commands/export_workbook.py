"""python manage.py export_workbook --year Y -o FILE [--status approved|all]."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bases.audit import record
from bases.models import Base
from reporting.workbook.data import write_data_workbook
from reporting.workbook.exports import SCOPES, reports_to_export
from reporting.years import checked_years


class Command(BaseCommand):
    help = "导出某一年度的数据工作簿（可再导入）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")
        parser.add_argument("--status", choices=SCOPES, default="approved",
                            help="只导出已审核的报表（默认），或全部状态")

    def handle(self, *args, year: int, output: str, status: str, **options) -> None:
        year, _ = checked_years(year)
        try:
            count = write_data_workbook(output, bases=Base.objects.all(),
                                        reports=reports_to_export(year=year, scope=status))
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}") from None
        record(None, "export_workbook", object_repr=f"data:{year}",
               detail=f"操作人：命令行；范围：{status}；报表 {count} 份；文件：{output}"[:2000])
        self.stdout.write(self.style.SUCCESS(f"已导出 {year} 年度报表 {count} 份到 {output}"))
