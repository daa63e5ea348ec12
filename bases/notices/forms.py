from __future__ import annotations

from django import forms

from bases.models import User
from bases.notices.models import Kind
from bases.notices.services import (
    CHOOSABLE_CHANNELS,
    KINDS_FOR_ROLE,
    forced_on,
    preferences_of,
    wants,
)


def field_name(kind: str, channel: str) -> str:
    return f"{channel}_{kind}"


class NoticeSettingsForm(forms.ModelForm):
    """A person's own e-mail and mobile number, and per channel the notices they want."""

    class Meta:
        model = User
        fields = ["email", "mobile"]
        labels = {"email": "电子邮箱"}
        help_texts = {"email": "选填；填写后可通过电子邮件接收通知。",
                      "mobile": "选填；填写后可通过短信接收通知。"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance
        choices = preferences_of(user)
        self.rows = []
        for kind in KINDS_FOR_ROLE.get(user.role, ()):
            cells = []
            for channel in CHOOSABLE_CHANNELS:
                name = field_name(kind, channel)
                forced = forced_on(user, kind)
                self.fields[name] = forms.BooleanField(
                    label=f"{Kind(kind).label}（{channel.label}）", required=False,
                    initial=wants(user, kind, channel, choices), disabled=forced)
                cells.append(self[name])
            self.rows.append((Kind(kind).label, forced, cells))

    def choices(self) -> dict[tuple[str, str], bool]:
        return {(kind, channel): self.cleaned_data[field_name(kind, channel)]
                for kind in KINDS_FOR_ROLE.get(self.instance.role, ())
                for channel in CHOOSABLE_CHANNELS}
