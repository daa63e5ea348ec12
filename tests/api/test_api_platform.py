"""Who reaches a base's records through the API (issues 18/19): every endpoint for every
persona, and the platform account (平台对接) kept to its own base's ledger and roster."""

from __future__ import annotations

from typing import Any

from bases.ledger.models import ActivityAttachment, Institution, LedgerChange, ServiceActivity
from bases.ledger.selectors import platform_pushed, platform_pushed_base_ids
from bases.models import AuditEvent
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from reporting.models import Report
from tests.api.records import (
    ALL,
    READERS_A,
    WRITERS_A,
    RecordsApiTestCase,
    activity_body,
    enterprise_body,
    institution_body,
    year_body,
)
from tests.base import sign_in
from tests.ledger.helpers import small_pdf


class ScopeTests(RecordsApiTestCase):
    def reads(self) -> list[str]:
        return ["/bases/A001/activities/", f"/bases/A001/activities/{self.activity.pk}/",
                "/bases/A001/institutions/", f"/bases/A001/institutions/{self.institution.pk}/",
                "/bases/A001/enterprises/", f"/bases/A001/enterprises/{self.enterprise.pk}/"]

    def writes(self) -> list[tuple[str, str, Any]]:
        """Every write on base A, in an order that lets one writer make them all."""
        spare = Institution.objects.filter(base=self.base_a, name="待删除机构").first() or \
            self.make_institution(self.base_a, self.alice, "待删除机构")
        activity = f"/bases/A001/activities/{self.activity.pk}/"
        enterprise = f"/bases/A001/enterprises/{self.enterprise.pk}/"
        return [
            ("post", "/bases/A001/activities/", activity_body()),
            ("patch", activity, {"note": "补充说明"}),
            ("upload", f"{activity}attachments/", None),
            ("post", "/bases/A001/institutions/", institution_body()),
            ("patch", f"/bases/A001/institutions/{self.institution.pk}/", {"name": "新名称"}),
            ("delete", f"/bases/A001/institutions/{spare.pk}/", None),
            ("post", "/bases/A001/enterprises/", enterprise_body()),
            ("patch", enterprise, {"small_micro": True}),
            ("put", f"{enterprise}years/2018/", year_body()),
            ("delete", activity, None),
        ]

    def send(self, persona: str, method: str, path: str, body: Any):
        if method == "upload":
            return self.upload(persona, path, small_pdf())
        return self.call(persona, method, path, body)

    def state(self) -> tuple[int, ...]:
        return (ServiceActivity.objects.count(), Institution.objects.count(),
                ActivityAttachment.objects.count(), Enterprise.objects.count(),
                EnterpriseYear.objects.count(), LedgerChange.objects.count(),
                RosterChange.objects.count())

    def test_readers_of_base_a_read_its_records_and_everyone_else_gets_404(self):
        for persona in ALL:
            for path in self.reads():
                with self.subTest(persona=persona, path=path):
                    response = self.call(persona, "get", path)
                    self.assertEqual(response.status_code,
                                     200 if persona in READERS_A else 404)
        self.assertTrue(AuditEvent.objects.filter(event="scope_denied",
                                                  actor=self.platb).exists())

    def test_readers_who_do_not_write_get_403_and_outsiders_404_and_nothing_changes(self):
        before = self.state()
        for persona in sorted(set(ALL) - WRITERS_A):
            for method, path, body in self.writes():
                with self.subTest(persona=persona, method=method, path=path):
                    response = self.send(persona, method, path, body)
                    self.assertEqual(response.status_code,
                                     403 if persona in READERS_A else 404, response.content)
        self.assertEqual(self.state(), (*before[:1], before[1] + 1, *before[2:5],
                                        before[5] + 1, before[6]))  # + the spare institution
        self.assertTrue(AuditEvent.objects.filter(event="permission_denied",
                                                  actor=self.pat).exists())

    def assert_writes_everything(self, persona: str) -> None:
        for method, path, body in self.writes():
            with self.subTest(method=method, path=path):
                response = self.send(persona, method, path, body)
                self.assertIn(response.status_code, (200, 201, 204), response.content)

    def test_the_officer_makes_every_write(self):
        self.assert_writes_everything("alice")

    def test_the_platform_account_makes_every_write(self):
        self.assert_writes_everything("plato")
        self.assertTrue(ServiceActivity.objects.filter(created_by=self.plato).exists())

    def test_another_bases_object_through_this_base_is_404_for_everyone(self):
        for persona in ("alice", "pat", "plato"):
            for path in (f"/bases/A001/activities/{self.activity_b.pk}/",
                         f"/bases/A001/institutions/{self.institution_b.pk}/",
                         f"/bases/A001/enterprises/{self.enterprise_b.pk}/",
                         f"/bases/A001/enterprises/{self.enterprise_b.pk}/years/2018/",
                         "/bases/A001/activities/99999999999999999999999/",
                         "/bases/NOPE/activities/"):
                with self.subTest(persona=persona, path=path):
                    self.assertEqual(self.call(persona, "get", path).status_code, 404)
                    self.assertEqual(self.call(persona, "patch", path, {"note": "x"})
                                     .status_code, 404)

    def test_anonymous_callers_get_401(self):
        for path in self.reads():
            self.assertEqual(self.call(None, "get", path).status_code, 401)


class PlatformConfinementTests(RecordsApiTestCase):
    def test_everything_but_its_bases_records_is_404_to_the_platform_account(self):
        self.open_round(2018)
        report = self.draft()
        for path in ("/indicators/", "/bases/", "/bases/A001/", "/bases/B001/", "/rounds/",
                     "/reports/", f"/reports/{report.pk}/", f"/reports/{report.pk}/history/",
                     "/statistics/annexes/?year=2018", "/statistics/rankings/?year=2018",
                     "/completeness/", "/enterprises/duplicates/?year=2018",
                     "/bases/B001/activities/", "/bases/B001/enterprises/"):
            with self.subTest(path=path):
                self.assertEqual(self.call("plato", "get", path).status_code, 404)
        for method, path, body in (("post", "/reports/", {"year": 2018}),
                                   ("patch", f"/reports/{report.pk}/", {"version": 1}),
                                   ("post", f"/reports/{report.pk}/submit/", {}),
                                   ("post", "/rounds/", {"year": 2019}),
                                   ("post", "/bases/B001/activities/", activity_body())):
            with self.subTest(method=method, path=path):
                self.assertEqual(self.call("plato", method, path, body).status_code, 404)
        self.assertEqual(Report.objects.count(), 1)

    def test_a_platform_account_cannot_sign_in_to_the_pages(self):
        self.plato.set_password("Platform-Pass-2018")
        self.plato.save()
        response = self.password_login(self.client, "plato", "Platform-Pass-2018")
        self.assertEqual(response.status_code, 200)  # the login page again, with the reason
        self.assertContains(response, "平台对接账号只能通过数据接口")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(AuditEvent.objects.filter(event="platform_web_denied").exists())

    def test_a_platform_session_is_refused_everywhere_and_ended(self):
        sign_in(self.client, self.plato)
        for path in ("/", "/bases/A001/", "/bases/A001/ledger/", "/api/v1/bases/A001/activities/"):
            with self.subTest(path=path):
                sign_in(self.client, self.plato)
                response = self.client.get(path)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn("_auth_user_id", self.client.session)

    def test_what_the_platform_pushes_counts_as_interconnection(self):
        self.assertFalse(platform_pushed(self.base_a, 2018))
        self.call("plato", "post", "/bases/A001/activities/", activity_body())
        self.assertTrue(platform_pushed(self.base_a, 2018))
        self.call("platb", "put", f"/bases/B001/enterprises/{self.enterprise_b.pk}/years/2018/",
                  year_body())
        self.assertEqual(platform_pushed_base_ids(2018), {self.base_a.pk, self.base_b.pk})
