import sys

from django.core.management.base import BaseCommand, CommandError

from bases.models import Role
from bases.services import AccountError, provision_account


class Command(BaseCommand):
    help = "创建或更新账号。密码从标准输入读取（--password-stdin），视为用户本人设置。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--base", dest="base_code",
                            help="基地编码（信息管理员、平台对接账号必填）")
        parser.add_argument("--city", dest="city_name",
                            help="市州名称（市州查看员、市州审核员必填）")
        parser.add_argument("--password-stdin", action="store_true",
                            help="从标准输入读取密码（第一行）")
        parser.add_argument("--must-change", action="store_true",
                            help="首次登录时强制修改密码")

    def handle(self, *args, **options) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("标准输入中没有读到密码")
        try:
            user, created = provision_account(
                username=options["username"], role=options["role"],
                base_code=options["base_code"], city_name=options["city_name"],
                password=password, must_change=options["must_change"])
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        verb = "已创建" if created else "已更新"
        self.stdout.write(f"{verb}账号 {user.username}（{user.get_role_display()}）")
        if user.role == Role.PLATFORM:
            self.stdout.write(f"接口令牌：python manage.py create_api_token {user.username}")
