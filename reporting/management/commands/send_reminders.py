"""python manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]: what beat runs at 09:00."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reporting.notices import send_deadline_reminders_on


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date 须为 YYYY-MM-DD 格式的日期，不是“{text}”") from None


class Command(BaseCommand):
    help = ("发送报送截止提醒（截止前7、3、1天及逾期次日），与每日定时任务相同；"
            "同一基地、同一天、同一类提醒只发一次。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--dry-run", action="store_true",
                            help="只列出将提醒的基地和人员，不发送、不记录")

    def handle(self, *args, date: str | None, dry_run: bool, **options) -> None:
        today = _date(date) if date else timezone.localdate()
        reminders = send_deadline_reminders_on(today, dry_run=dry_run)
        for reminder in reminders:
            people = "、".join(f"{u.username}{f' <{u.email}>' if u.email else ''}"
                              for u in reminder.officers) or "（无在职信息管理员，不发送）"
            if not reminder.officers:
                outcome = ""
            elif dry_run:
                outcome = "将提醒"
            else:
                outcome = "已提醒" if reminder.sent else "此前已提醒，跳过"
            self.stdout.write(
                f"{reminder.year}年度 {reminder.base.name}（{reminder.base.code}）"
                f"截止 {reminder.deadline} · {reminder.kind.label} → {people} {outcome}".rstrip())
        sent = sum(r.sent for r in reminders)
        if dry_run:
            self.stdout.write(f"{today}：试运行，应提醒 {len(reminders)} 个基地，未发送、未记录。")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"{today}：应提醒 {len(reminders)} 个基地，本次发送 {sent} 个。"))
