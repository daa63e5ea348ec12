"""The ledger's tables (app label `bases`; imported by bases/models.py so Django finds them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bases.ledger.categories import CATEGORIES, label
from bases.models import Base, User

#: The largest number of enterprises (家次) one activity may serve (SPEC section 9).
ENTERPRISES_SERVED_MAX = 100_000


class LedgerEntry(models.Model):
    """What every ledger row carries: its base, an optional reference of the base's own
    platform (unique per base, so a resend updates) and who made and last changed it."""

    base = models.ForeignKey(Base, verbose_name="基地", on_delete=models.PROTECT,
                             related_name="+")
    external_id = models.CharField("外部编号", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    created_by = models.ForeignKey(User, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(User, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True


class Institution(LedgerEntry):
    """A third-party service institution (第三方服务机构) the base works with."""

    name = models.CharField("机构名称", max_length=150)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    categories = models.JSONField("服务类别", default=list, blank=True)
    since = models.DateField("合作起始日期")
    until = models.DateField("合作终止日期", null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = verbose_name_plural = "第三方服务机构"
        constraints = [
            models.UniqueConstraint(fields=["base", "external_id"], name="institution_external_id",
                                    condition=~Q(external_id="")),
        ]
        indexes = [models.Index(fields=["base", "since"])]

    def __str__(self) -> str:
        return self.name

    @property
    def category_labels(self) -> list[str]:
        return [label(key) for key in self.categories]


class ServiceActivity(LedgerEntry):
    """One service activity (服务活动) as it happened."""

    date = models.DateField("活动日期")
    category = models.CharField("服务类别", max_length=20, choices=CATEGORIES)
    title = models.CharField("活动名称", max_length=200)
    # Null: the base itself provided the service.
    provider = models.ForeignKey(Institution, verbose_name="服务提供方", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="activities")
    enterprises_served = models.PositiveIntegerField("服务企业家次", default=0)
    note = models.TextField("备注", blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = verbose_name_plural = "服务活动"
        constraints = [
            models.UniqueConstraint(fields=["base", "external_id"], name="activity_external_id",
                                    condition=~Q(external_id="")),
            models.CheckConstraint(name="activity_enterprises_served_range",
                                   condition=Q(enterprises_served__lte=ENTERPRISES_SERVED_MAX)),
        ]
        indexes = [models.Index(fields=["base", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    @property
    def provider_name(self) -> str:
        return self.provider.name if self.provider_id else "本基地"


class ActivityAttachment(models.Model):
    """Evidence of an activity (sign-in sheet, photos, minutes). The file lives outside the
    web root, under settings.PRIVATE_MEDIA_DIR, as `stored_name`; see bases/ledger/files.py."""

    activity = models.ForeignKey(ServiceActivity, verbose_name="服务活动",
                                 on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    stored_name = models.CharField(max_length=200, unique=True, editable=False)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(User, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = verbose_name_plural = "活动证明材料"

    def __str__(self) -> str:
        return self.original_name


class LedgerChange(models.Model):
    """The ledger's history: every create, update and delete with the entry before and
    after, kept for the base's officer, its city and the province to read."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    class Kind(models.TextChoices):
        ACTIVITY = "activity", "服务活动"
        INSTITUTION = "institution", "第三方服务机构"
        ATTACHMENT = "attachment", "证明材料"

    base = models.ForeignKey(Base, verbose_name="基地", on_delete=models.CASCADE,
                             related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField("用户名", max_length=150, blank=True)
    kind = models.CharField("对象类型", max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField("对象编号")
    object_repr = models.CharField("对象", max_length=200, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "台帐修改记录"
        indexes = [models.Index(fields=["base", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}{self.get_kind_display()} {self.object_repr}"
