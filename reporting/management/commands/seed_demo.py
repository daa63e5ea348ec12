import base64
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bases.models import Base, City, Role, User
from bases.services import provision_account
from reporting.demo.data import demo_bases
from reporting.demo.records import ROSTER_YEAR, keep_ledger, keep_roster
from reporting.filing import rounds
from reporting.models import Status
from reporting.workbook.data import DataWorkbook
from reporting.workbook.importer import import_book

DEMO_PASSWORD = "Demo-Portal-2026"
CHANGSHA_FLAGSHIP = "长沙科技新城"
#: The demo's admin accounts sign in with a second factor: each gets an authenticator
#: (TOTP device) of this name, whose secret the seed prints and `demo_totp` reads.
DEMO_DEVICE = "演示身份验证器"
#: The demo accounts whose role needs two-factor login: each gets the demo's authenticator.
DEMO_ADMINS = ("changsha_reviewer", "province_admin", "security_admin", "audit_admin")
DEFAULT_ADDRESS = "127.0.0.1:8000"


def demo_device(username: str):
    """The demo admin's authenticator, or None (not a demo account)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if username not in DEMO_ADMINS:
        return None
    return TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE,
                                     confirmed=True).first()


def base32_secret(device) -> str:
    """The secret as an authenticator app takes it (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def served_url(address: str) -> str:
    """http://host:port/ of runserver's address argument ("8123", "127.0.0.1:8123")."""
    host, _, port = address.rpartition(":")
    return f"http://{host or '127.0.0.1'}:{port}/"


class Command(BaseCommand):
    help = ("向空数据库载入演示数据：2017年通报的102个基地、2016/2017年度报表、"
            "演示账号和2018年度报送（两级审核）。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="数据库已有基地时跳过（不报错）")
        parser.add_argument("--address", default=DEFAULT_ADDRESS,
                            help="演示服务的地址（与 runserver 相同，如 127.0.0.1:8123），用于提示")

    def handle(self, *args, **options) -> None:
        self.address = options["address"]
        if Base.objects.exists():
            if options["if_empty"]:
                self.stdout.write("数据库已有数据，跳过演示数据。")
                self.print_logins()
                return
            raise CommandError("数据库中已有基地，演示数据只能载入空数据库。")
        with transaction.atomic():
            self.load()
        self.print_logins()

    def import_reports(self, demo: list, years) -> int:
        """The demo goes through the real import: the same checks and history as a workbook."""
        book = DataWorkbook.from_records(
            bases=[{"code": b.code, "name": b.name, "city": b.city, "county": b.county,
                    "batch": b.batch} for b in demo],
            reports=[(b.code, year, values) for b in demo for year, values in
                     sorted(b.values.items()) if year in years],
        )
        result = import_book(book=book, actor=None, status=Status.APPROVED, source="seed_demo")
        if not result.ok:
            raise CommandError("演示数据未通过校验：\n" + "\n".join(map(str, result.errors)))
        return result.reports_created

    def load(self) -> None:
        demo = demo_bases()
        # The records (the roster's ROSTER_YEAR figures, the institutions cooperating since
        # then) are kept before that year's reports are approved, which locks their year, as
        # a base would have kept them during the year.
        reports_created = self.import_reports(demo, range(ROSTER_YEAR))
        extra = {b.code: b for b in demo}
        bases = list(Base.objects.all())
        for base in bases:
            base.year_designated = extra[base.code].year_designated
            base.operator = extra[base.code].operator
        Base.objects.bulk_update(bases, ["year_designated", "operator"])
        self.provision_accounts()
        officer = User.objects.get(username="cs_officer")
        enterprises = keep_roster(base=officer.base, officer=officer, seed=ROSTER_YEAR,
                                  report=extra[officer.base.code].values[ROSTER_YEAR])
        activities = self.keep_ledgers(extra)
        reports_created += self.import_reports(demo, range(ROSTER_YEAR, 2100))

        today = timezone.localdate()
        # Through the rounds' services, as the province would: validated and audited.
        for year, opens_on, deadline in ((2016, dt.date(2017, 1, 3), dt.date(2017, 1, 20)),
                                         (2017, dt.date(2018, 1, 2), dt.date(2018, 1, 20))):
            past = rounds.open_round(year=year, opens_on=opens_on, deadline=deadline, actor=None)
            rounds.close_round(round_=past, actor=None)
        # Two-level (SPEC 11): the 长沙市 reviewer passes the city's reports first.
        rounds.open_round(year=2018, opens_on=dt.date(2018, 1, 1),
                          deadline=today + dt.timedelta(days=90), actor=None, review_levels=2)
        self.stdout.write(self.style.SUCCESS(
            f"已载入 {len(demo)} 个基地、{reports_created} 份已审核报表，"
            f"2018年度报送开放至 {today + dt.timedelta(days=90)}；"
            f"两个演示基地的2018年服务台帐（{activities} 条服务活动），"
            f"{officer.base.name}的入驻企业名册（{enterprises} 家企业）。"))

    def provision_accounts(self) -> None:
        flagship = Base.objects.get(name=CHANGSHA_FLAGSHIP)
        second_batch = Base.objects.filter(batch=2).order_by("code").first()
        for username, role, scope in (
            ("cs_officer", Role.OFFICER, {"base_code": flagship.code}),
            ("b2_officer", Role.OFFICER, {"base_code": second_batch.code}),
            ("changsha_viewer", Role.CITY, {"city_name": City.objects.get(name="长沙市").name}),
            ("changsha_reviewer", Role.CITY_REVIEWER, {"city_name": "长沙市"}),
            ("province_admin", Role.PROVINCE, {}),
            ("security_admin", Role.SECURITY, {}),
            ("audit_admin", Role.AUDIT, {}),
        ):
            provision_account(username=username, role=role, password=DEMO_PASSWORD, **scope)
        add_demo_platform(flagship)
        self.add_authenticators()

    def keep_ledgers(self, demo: dict) -> int:
        """A 2018 ledger for each demo officer's base, sized after its 2017 report."""
        kept = 0
        for seed, username in enumerate(("cs_officer", "b2_officer"), start=2018):
            officer = User.objects.select_related("base").get(username=username)
            kept += keep_ledger(base=officer.base, officer=officer, seed=seed,
                                reference=demo[officer.base.code].values[2017])
        return kept

    def add_authenticators(self) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for user in User.objects.filter(username__in=DEMO_ADMINS):
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE, confirmed=True)

    def print_logins(self) -> None:
        flagship = Base.objects.filter(name=CHANGSHA_FLAGSHIP).first()
        second = Base.objects.filter(batch=2).order_by("code").first()
        secrets = {}
        for username in DEMO_ADMINS:
            device = demo_device(username)
            secrets[username] = (f"两步验证密钥 {base32_secret(device)}" if device
                                 else "两步验证：首次登录时设置")
        reviewer = secrets["changsha_reviewer"]
        self.stdout.write(f"""
演示账号（密码均为 {DEMO_PASSWORD}）：
  cs_officer       {flagship.name if flagship else ''} 信息管理员
  b2_officer       {second.name if second else ''}（第二批）信息管理员
  changsha_viewer  长沙市 市州查看员
  changsha_reviewer 长沙市 市州审核员（2018年度两级审核，先由市州初审；{reviewer}）
  province_admin   省级管理员（{secrets["province_admin"]}）
  security_admin   安全管理员（{secrets["security_admin"]}）
  audit_admin      审计管理员（{secrets["audit_admin"]}）
管理员和市州审核员账号登录后须输入动态验证码：把上面的密钥加入身份验证器应用，或运行
  python manage.py demo_totp 用户名
查看当前验证码（仅限演示模式 make demo）。
打开 {served_url(self.address)} 登录。""")
        self.stdout.write(demo_platform_help(served_url(self.address)))


DEMO_PLATFORM = "cs_platform"


def demo_platform_help(url: str) -> str:
    api = f"{url.rstrip('/')}/api/v1/bases/<基地编码>/activities/"
    return f"""
平台对接账号 {DEMO_PLATFORM}（长沙科技新城的服务平台，不能登录网页）：
  签发令牌：python manage.py create_api_token {DEMO_PLATFORM}
  使用令牌：curl -H "Authorization: Token <令牌>" {api}"""


def add_demo_platform(base: Base) -> None:
    """The flagship base's own platform (平台对接): a machine account without a password;
    its token is issued on demand (create_api_token), so no secret is printed or kept."""
    provision_account(username=DEMO_PLATFORM, role=Role.PLATFORM, base_code=base.code)
