"""python manage.py run_export_jobs [--job UUID]: run web-requested data-workbook exports."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.models import ExportJob
from reporting.workbook import exports


class Command(BaseCommand):
    help = "执行网页上申请的数据工作簿导出任务（--job 只执行一个，否则执行所有排队中的任务）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--job", type=uuid.UUID, help="导出任务编号（UUID）")

    def handle(self, *args, job: uuid.UUID | None, **options) -> None:
        if job is not None:
            if not ExportJob.objects.filter(pk=job).exists():
                raise CommandError(f"没有编号为 {job} 的导出任务")
            jobs = [exports.run_export_job(job_id=job)]
        else:
            jobs = exports.run_queued_export_jobs()
        for done in jobs:
            self.stdout.write(f"{done.pk}：{done.current_state_label()}，"
                              f"报表 {done.rows_done} / {done.rows_total} 份")
        if any(done.state == ExportJob.State.FAILED for done in jobs):
            raise CommandError("有导出任务失败，详情见日志。")
