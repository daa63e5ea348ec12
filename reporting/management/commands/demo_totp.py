"""The current second-factor code of a demo account that needs one (the demo's admins and
its city reviewer; the demo's authenticator).

For the local demo only: refused outside demo mode (PORTAL_DEMO=1) and for any
account that is not one of the demo's admins with the demo's authenticator.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from reporting.management.commands.seed_demo import DEMO_ADMINS, demo_device


class Command(BaseCommand):
    help = "显示演示管理员或市州审核员账号当前的两步验证动态验证码（仅限本机演示模式）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help=f"演示账号：{'、'.join(DEMO_ADMINS)}")

    def handle(self, *args, username: str, **options) -> None:
        if not getattr(settings, "DEMO", False):
            raise CommandError("只能在演示模式（make demo，PORTAL_DEMO=1）下使用。")
        device = demo_device(username)
        if device is None:
            accounts = "、".join(DEMO_ADMINS)
            raise CommandError(f"“{username}”不是需要两步验证的演示账号（{accounts}）。")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
