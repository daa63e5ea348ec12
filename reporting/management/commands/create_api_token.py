"""Issue an API token for an account: `python manage.py create_api_token USERNAME`.

Prints the new token (and nothing else) on standard output; any older token of the account
stops working at once. The audit log records that a token was issued, never the token.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from bases.models import Role, User
from bases.services import issue_api_token

#: Roles that have anything to read through the API (security and audit admins do not); a
#: platform account (平台对接) reaches only its base's ledger and roster.
API_ROLES = (Role.OFFICER, Role.CITY, Role.CITY_REVIEWER, Role.PROVINCE, Role.PLATFORM)


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
        replaced = Token.objects.filter(user=user).exists()
        key = issue_api_token(user=user, how="命令行 create_api_token")
        self.stdout.write(key)
        self.stderr.write(f"已为 {user.username}（{user.get_role_display()}）签发新令牌"
                          + ("，旧令牌已作废" if replaced else ""))
