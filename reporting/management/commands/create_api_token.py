"""Issue an API token for an account: `python manage.py create_api_token USERNAME`.

Prints the new token (and nothing else) on standard output; any older token of the account
stops working at once. The audit log records that a token was issued, never the token.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from bases.audit import record
from bases.models import Role, User

#: Roles that have anything to read through the API (security and audit admins do not).
API_ROLES = (Role.OFFICER, Role.CITY, Role.CITY_REVIEWER, Role.PROVINCE)


class Command(BaseCommand):
    help = "为账号签发新的接口令牌（旧令牌立即失效），令牌输出到标准输出。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在")
        if not user.is_active:
            raise CommandError(f"账号 {username} 已停用，不能签发令牌")
        if user.role not in API_ROLES:
            raise CommandError(f"{user.get_role_display()}不使用数据接口，不能签发令牌")
        with transaction.atomic():
            replaced = Token.objects.filter(user=user).delete()[0] > 0
            token = Token.objects.create(user=user)
            note = "；旧令牌已作废" if replaced else ""
            record(None, "token_created", object_repr=f"user:{user.username}",
                   detail=f"操作人：命令行 create_api_token{note}")
        self.stdout.write(token.key)
        self.stderr.write(f"已为 {user.username}（{user.get_role_display()}）签发新令牌"
                          + ("，旧令牌已作废" if replaced else ""))
