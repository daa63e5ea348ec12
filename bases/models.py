from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from bases.validators import PortalUsernameValidator


class City(models.Model):
    """A prefecture-level division of Hunan (市州); loaded by a data migration."""

    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = verbose_name_plural = "市州"

    def __str__(self) -> str:
        return self.name


#: Designation batches are numbered 1, 2, 3…; an upload, a filter and the API accept up to this.
BATCH_MAX = 99


class Base(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "在册"
        DELISTED = "delisted", "已摘牌"

    code = models.CharField("基地编码", max_length=20, unique=True)
    name = models.CharField("基地名称", max_length=100)
    city = models.ForeignKey(City, verbose_name="市州", on_delete=models.PROTECT,
                             related_name="bases")
    county = models.CharField("县市区", max_length=50, blank=True)
    batch = models.PositiveSmallIntegerField("认定批次", default=1)
    year_designated = models.PositiveSmallIntegerField("认定年份", null=True, blank=True)
    operator = models.CharField("运营单位", max_length=150, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    delisted_on = models.DateField("摘牌日期", null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "基地"
        constraints = [
            models.CheckConstraint(
                name="base_delisted_has_date",
                condition=Q(status="active", delisted_on__isnull=True)
                | Q(status="delisted", delisted_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def active_officer(self) -> User | None:
        return self.officers.filter(role=Role.OFFICER, is_active=True).first()

    @classmethod
    def batches_in_use(cls) -> list[int]:
        """The batches that bases belong to, for the batch filters' choices."""
        return list(cls.objects.order_by("batch").values_list("batch", flat=True).distinct())


RESERVED_USERNAMES = frozenset({"admin", "root", "test", "administrator", "superuser"})


class Role(models.TextChoices):
    OFFICER = "officer", "基地信息管理员"
    CITY = "city", "市州查看员"
    PROVINCE = "province", "省级管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"
    # A base's own public service platform (互联互通): a machine account that reads and writes
    # only that base's ledger and roster through the API.
    PLATFORM = "platform", "平台对接"


class User(AbstractUser):
    """A person; the role and its scope (one base or one city) decide what they may see."""

    username = models.CharField(
        "用户名", max_length=150, unique=True, validators=[PortalUsernameValidator()],
        help_text="英文字母、数字、汉字和 . _ @ + -，150个字符以内。",
        error_messages={"unique": "该用户名已被使用。"})
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.OFFICER)
    base = models.ForeignKey(Base, verbose_name="所属基地", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="officers")
    city = models.ForeignKey(City, verbose_name="所属市州", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="viewers")
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Only for SMS notices (bases/notices); e-mail uses AbstractUser.email.
    mobile = models.CharField("手机号码", max_length=11, blank=True, validators=[
        RegexValidator(r"^1\d{10}\Z", "手机号码须为11位数字，以1开头")])

    class Meta:
        verbose_name = verbose_name_plural = "账号"
        constraints = [
            # One active officer per base: handover moves the base, never shares it.
            models.UniqueConstraint(fields=["base"], condition=Q(role="officer"),
                                    name="one_officer_per_base"),
            models.UniqueConstraint(fields=["base"], condition=Q(role="platform"),
                                    name="one_platform_account_per_base"),
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(Q(role="officer", city__isnull=True)
                           | Q(role="platform", base__isnull=False, city__isnull=True)
                           | Q(role="city", base__isnull=True)
                           | (~Q(role__in=["officer", "platform", "city"]) & Q(base__isnull=True,
                                                                   city__isnull=True))),
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        # The Django admin is the province's and the security admin's workbench.
        self.is_staff = self.role in (Role.PROVINCE, Role.SECURITY) or self.is_superuser
        super().save(*args, **kwargs)

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        from django.utils import timezone

        # Expiry counts from here (MLPS 2.0: passwords expire after 90 days).
        self.password_changed_at = timezone.now()


class Handover(models.Model):
    """The record of a base changing hands from one officer to the next."""

    base = models.ForeignKey(Base, verbose_name="基地", on_delete=models.PROTECT,
                             related_name="handovers")
    from_user = models.ForeignKey(User, verbose_name="原信息管理员", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="handovers_given")
    to_user = models.ForeignKey(User, verbose_name="新信息管理员", on_delete=models.PROTECT,
                                related_name="handovers_received")
    by = models.ForeignKey(User, verbose_name="操作人", on_delete=models.PROTECT,
                           related_name="handovers_done")
    at = models.DateTimeField("时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "信息管理员交接"

    def __str__(self) -> str:
        return f"{self.base.name} 交接于 {self.at:%Y-%m-%d}"


class HandoverRequest(models.Model):
    """An outgoing officer's request that the province assign their successor."""

    base = models.ForeignKey(Base, on_delete=models.CASCADE, related_name="handover_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField("说明", blank=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "交接申请"

    def __str__(self) -> str:
        return f"{self.base.name} 交接申请"


class AuditRecordImmutable(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        raise AuditRecordImmutable("审计记录不可修改")

    def delete(self):
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        if self.filter(at__gt=cutoff).exists():
            raise AuditRecordImmutable(
                f"审计记录须保留至少{settings.AUDIT_RETENTION_DAYS}天，不能删除")
        return super().delete()


class AuditEvent(models.Model):
    """Append-only audit trail (MLPS 2.0): rows are never updated, and deleted only by the
    retention purge once they are older than AUDIT_RETENTION_DAYS."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    event = models.CharField("事件", max_length=40, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    outcome = models.CharField("结果", max_length=20, default="success")
    detail = models.TextField("详情", blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.event}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AuditRecordImmutable("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        return AuditEvent.objects.filter(pk=self.pk).delete()


class LoginSession(models.Model):
    """Which sessions belong to whom, so that handover or deactivation can end them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录会话"

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


# The roster's and the ledger's models live in their own packages; importing them here
# registers them with Django.
from bases.ledger.models import (  # noqa: E402, F401
    ActivityAttachment,
    Institution,
    LedgerChange,
    ServiceActivity,
)
from bases.notices.models import Notice, NoticePreference, SentReminder  # noqa: E402, F401
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange  # noqa: E402, F401
