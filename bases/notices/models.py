"""The notices' tables (app label `bases`; imported by bases/models.py so Django finds them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bases.models import Base, User


class Kind(models.TextChoices):
    RETURNED = "returned", "报表被退回"
    APPROVED = "approved", "报表审核通过"
    REOPENED = "reopened", "报表被重新打开"
    SUBMITTED_DIGEST = "submitted_digest", "每日提交汇总"
    AWAITING_CITY_REVIEW = "awaiting_city_review", "待市州审核"
    EXTENSION = "extension", "延期获批"
    HANDOVER = "handover", "基地交接"
    REMINDER = "reminder", "报送截止提醒"


class Channel(models.TextChoices):
    SITE = "site", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class Notice(models.Model):
    """One message to one person; read state is the recipient's own."""

    recipient = models.ForeignKey(User, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notices")
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    # A path inside the portal (never an outside address): the page the notice is about.
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    # Set for notices that must reach a person once only (the daily digest of a day).
    key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "站内消息"
        # The header's unread count and the message list both start from the recipient.
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                               name="one_notice_per_key")]

    def __str__(self) -> str:
        return self.title


class NoticePreference(models.Model):
    """A person's choice for one kind on one channel; without a row the default stands
    (bases.notices.services.DEFAULTS)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notice_preferences")
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    enabled = models.BooleanField("接收", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知偏好"
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"],
                                               name="one_preference_per_kind_channel")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.get_channel_display()}"


class ReminderKind(models.TextChoices):
    DAYS_7 = "before_7", "截止前7天"
    DAYS_3 = "before_3", "截止前3天"
    DAYS_1 = "before_1", "截止前1天"
    OVERDUE = "overdue_1", "已逾期1天"


class SentReminder(models.Model):
    """A deadline reminder given to a base: the unique constraint is what makes a re-run,
    or a second beat host, send nothing twice."""

    base = models.ForeignKey(Base, verbose_name="基地", on_delete=models.CASCADE,
                             related_name="+")
    year = models.PositiveSmallIntegerField("报送年度")
    kind = models.CharField("提醒类型", max_length=10, choices=ReminderKind.choices)
    day = models.DateField("提醒日期")
    deadline = models.DateField("截止日期")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "截止提醒记录"
        constraints = [models.UniqueConstraint(fields=["base", "day", "kind"],
                                               name="one_reminder_per_base_day_kind")]

    def __str__(self) -> str:
        return f"{self.base} {self.get_kind_display()} {self.day}"
