"""Shared personas for the whole suite.

alice: officer of base A (长沙市)      bob: officer of base B (株洲市)
carol: city viewer of 长沙市 (A's city)  charlie: city viewer of 株洲市 (not A's city)
rita: city reviewer of 长沙市 (A's city)  rex: city reviewer of 株洲市 (not A's city)
pat: province admin   sam: security admin   audrey: audit admin
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.db import connection
from django.test import Client, TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bases.models import AuditEvent, Base, City, Role, User
from reporting.models import Round

PASSWORD = "Correct-Horse-42"


def in_ci() -> bool:
    """CI=true: tests that need an outside tool (a browser, LibreOffice) fail without it
    instead of skipping."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def sign_in(client: Client, user: User) -> None:
    """Log in as the user, with the second factor already verified where the role needs it."""
    client.force_login(user)
    if user.role in settings.OTP_REQUIRED_ROLES or user.is_superuser:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test",
                                                     defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.changsha = City.objects.get(name="长沙市")
        cls.zhuzhou = City.objects.get(name="株洲市")
        cls.base_a = Base.objects.create(code="A001", name="长沙科技新城", city=cls.changsha,
                                         county="岳麓区", batch=1, year_designated=2015)
        cls.base_b = Base.objects.create(code="B001", name="株洲创业园", city=cls.zhuzhou,
                                         county="天元区", batch=2, year_designated=2017)
        cls.alice = cls.make_user("alice", Role.OFFICER, base=cls.base_a)
        cls.bob = cls.make_user("bob", Role.OFFICER, base=cls.base_b)
        cls.carol = cls.make_user("carol", Role.CITY, city=cls.changsha)
        cls.charlie = cls.make_user("charlie", Role.CITY, city=cls.zhuzhou)
        cls.rita = cls.make_user("rita", Role.CITY_REVIEWER, city=cls.changsha)
        cls.rex = cls.make_user("rex", Role.CITY_REVIEWER, city=cls.zhuzhou)
        cls.pat = cls.make_user("pat", Role.PROVINCE)
        cls.sam = cls.make_user("sam", Role.SECURITY)
        cls.audrey = cls.make_user("audrey", Role.AUDIT)

    @staticmethod
    def make_user(username: str, role: str, **scope) -> User:
        user = User(username=username, role=role, **scope)
        user.set_password(PASSWORD)
        user.save()
        return user

    @classmethod
    def open_round(cls, year: int = 2018, *, deadline: dt.date | None = None,
                   review_levels: int = 1, city_review_deadline: dt.date | None = None) -> Round:
        deadline = deadline or dt.date(2099, 12, 31)
        if review_levels == 2 and city_review_deadline is None:
            city_review_deadline = deadline + dt.timedelta(days=10)
        return Round.objects.create(year=year, opens_on=dt.date(2000, 1, 1), deadline=deadline,
                                    review_levels=review_levels,
                                    city_review_deadline=city_review_deadline)

    def password_login(self, client: Client, username: str, password: str = PASSWORD):
        """A real login through the login page (django-axes needs the request)."""
        return client.post("/accounts/login/", {"username": username, "password": password})

    def login(self, user: User) -> None:
        sign_in(self.client, user)


def complete_values(**overrides: object) -> dict[str, str]:
    """A full set of form values that passes every hard check and raises no soft finding."""
    from reporting import indicators

    values: dict[str, str] = {}
    for indicator in indicators.ENTERED:
        if indicator.is_bool:
            values[indicator.code] = "true"
        elif indicator.kind == "decimal":
            values[indicator.code] = "1000.00"
        else:
            values[indicator.code] = "10"
    values.update({
        "building_area": "120000.50", "standard_factory_area": "80000.00",
        "operator_revenue": "5000.00", "service_revenue": "400.00",
        "resident_enterprises": "80", "small_micro_enterprises": "70",
        "reporting_enterprises": "60", "high_tech_enterprises": "6",
        "ent_profit": "-12.50",
    })
    values.update({k: str(v) for k, v in overrides.items()})
    return values


def audit_event_at(at: dt.datetime, event: str = "login") -> int:
    """An audit record dated `at`, inserted as it was then (the table is append-only: no
    UPDATE may move a record's date); its id."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {AuditEvent._meta.db_table} "
                       "(at, actor_username, event, object_repr, outcome, detail) "
                       "VALUES (%s, '', %s, '', 'success', '')",
                       [connection.ops.adapt_datetimefield_value(at), event])
    return AuditEvent.objects.filter(event=event).latest("id").pk
