from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bases import services
from bases.audit_labels import OUTCOME_LABELS, event_choices
from bases.models import Base, City, Role


class LoginForm(AuthenticationForm):
    """The login page's form: a platform account (平台对接) never signs in to the pages."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.role == Role.PLATFORM:
            from bases.audit import record
            from bases.middleware import PLATFORM_NO_WEB

            record(self.request, "platform_web_denied", object_repr=f"user:{user.username}",
                   outcome="denied", actor=user)
            raise ValidationError(PLATFORM_NO_WEB, code="platform")


class BaseListFilterForm(forms.Form):
    q = forms.CharField(label="名称或编码", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "名称或编码"}))
    city = forms.ModelChoiceField(label="市州", queryset=City.objects.all(), required=False,
                                  empty_label="全部市州")
    batch = forms.TypedChoiceField(label="批次", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *Base.Status.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every batch a base is in (imports accept up to BATCH_MAX), not a fixed ten.
        self.fields["batch"].choices = [
            ("", "全部批次"), *((batch, f"第{batch}批") for batch in Base.batches_in_use())]

    def filter(self, bases):
        if not self.is_valid():
            return bases
        data = self.cleaned_data
        if data["q"]:
            from django.db.models import Q

            bases = bases.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if data["city"]:
            bases = bases.filter(city=data["city"])
        if data["batch"]:
            bases = bases.filter(batch=data["batch"])
        if data["status"]:
            bases = bases.filter(status=data["status"])
        return bases


class HandoverForm(forms.Form):
    # Not stripped: the user-name rule refuses spaces rather than silently dropping them.
    username = forms.CharField(label="新信息管理员用户名", max_length=150, strip=False)
    initial_password = forms.CharField(
        label="初始密码（新账号必填，首次登录须修改）", required=False,
        widget=forms.PasswordInput(render_value=False))
    note = forms.CharField(label="交接说明", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False, max_length=2000)


class HandoverRequestForm(forms.Form):
    note = forms.CharField(label="申请说明（如离职、调岗、建议的接任人）", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AuditFilterForm(forms.Form):
    event = forms.ChoiceField(label="事件", required=False, choices=event_choices)
    actor = forms.CharField(label="用户名", required=False, max_length=150)
    outcome = forms.ChoiceField(label="结果", required=False, choices=[
        ("", "全部结果"), *OUTCOME_LABELS.items()])
    date_from = forms.DateField(label="起始日期", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data["event"]:
            events = events.filter(event=data["event"])
        if data["actor"]:
            events = events.filter(actor_username__icontains=data["actor"])
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        if data["date_from"]:
            events = events.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(at__date__lte=data["date_to"])
        return events

    def describe(self) -> str:
        """The filters in force, in words, for the export's own audit record."""
        if not self.is_valid():
            return "全部记录"
        shown = []
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.fields[name]
            text = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            shown.append(f"{field.label}：{text}")
        return "筛选条件 " + ("；".join(map(str, shown)) if shown else "无")


class AccountFormMixin:
    """The security admin's account forms: the user-name rule, and nobody changes their own
    role, scope or privileges (checked here, whatever fields the page shows). Both refusals
    are audited by the services. The admin sets `request` on the form class."""

    request: HttpRequest

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "username" in self.fields:
            # validate_username applies Django's rule itself, with a message naming the field.
            field = self.fields["username"]
            field.validators = [v for v in field.validators
                                if not isinstance(v, UnicodeUsernameValidator)]
            field.help_text = "必填；不超过150个字符；只能由英文字母、数字、汉字和 . _ @ + - 组成。"

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username")
        if username and (self.instance.pk is None or "username" in self.changed_data):
            # Judge what was typed: Django's UsernameField strips it and NFKC-normalises it.
            typed = self.data.get(self.add_prefix("username"), username)
            try:
                services.check_username(typed, request=self.request)
            except services.AccountError as exc:
                raise ValidationError(str(exc)) from None
        parent = getattr(super(), "clean_username", None)  # the creation form's duplicate check
        return parent() if parent else username

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                services.check_self_change(actor=self.request.user, account=self.instance,
                                           changed=set(self.changed_data), request=self.request)
            except services.AccountError as exc:
                raise ValidationError(str(exc)) from None
        return cleaned


class AccountCreationForm(AccountFormMixin, AdminUserCreationForm):
    pass


class AccountChangeForm(AccountFormMixin, UserChangeForm):
    pass


class PlatformRegisterForm(forms.Form):
    username = forms.CharField(label="平台对接账号名", max_length=150,
                               help_text="如 A001-platform；该账号不能登录网页，"
                                         "只凭接口令牌访问本基地的台帐和名册")


class PlatformRequestForm(forms.Form):
    username = forms.CharField(label="拟用账号名", max_length=150,
                               help_text="如 A001-platform")
    note = forms.CharField(label="平台说明（平台名称、网址、运营单位）", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
