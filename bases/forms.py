from django import forms

from bases.models import Base, City


class BaseListFilterForm(forms.Form):
    q = forms.CharField(label="名称或编码", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "名称或编码"}))
    city = forms.ModelChoiceField(label="市州", queryset=City.objects.all(), required=False,
                                  empty_label="全部市州")
    batch = forms.TypedChoiceField(
        label="批次", required=False, coerce=int, empty_value=None,
        choices=[("", "全部批次")] + [(i, f"第{i}批") for i in range(1, 11)])
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *Base.Status.choices])

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
    username = forms.CharField(label="新信息管理员用户名", max_length=150)
    initial_password = forms.CharField(
        label="初始密码（新账号必填，首次登录须修改）", required=False,
        widget=forms.PasswordInput(render_value=False))
    note = forms.CharField(label="交接说明", widget=forms.Textarea(attrs={"rows": 3}),
                           required=False, max_length=2000)


class HandoverRequestForm(forms.Form):
    note = forms.CharField(label="申请说明（如离职、调岗、建议的接任人）", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AuditFilterForm(forms.Form):
    event = forms.CharField(label="事件", required=False, max_length=40)
    actor = forms.CharField(label="用户名", required=False, max_length=150)
    outcome = forms.ChoiceField(label="结果", required=False, choices=[
        ("", "全部结果"), ("success", "成功"), ("failure", "失败"), ("denied", "拒绝"),
        ("locked", "锁定")])
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
