"""Who may reach what: every URL of the project, as every persona."""

from __future__ import annotations

import datetime as dt

from django.urls import URLPattern, URLResolver, get_resolver

from bases.models import Enterprise
from reporting.models import ExportJob, Report
from tests.base import BaseTestCase

PERSONAS = ("anon", "alice", "bob", "carol", "charlie", "pat", "sam", "audrey", "rita", "rex")


def row(anon: int, alice: int, bob: int, carol: int, charlie: int, pat: int, sam: int,
        audrey: int, *, rita: int | None = None, rex: int | None = None) -> dict[str, int]:
    """City reviewers read like the city viewers (rita like carol, rex like charlie) unless
    the entry says otherwise."""
    return dict(zip(PERSONAS, (anon, alice, bob, carol, charlie, pat, sam, audrey,
                               carol if rita is None else rita,
                               charlie if rex is None else rex), strict=True))


def only(*allowed: str, ok: int = 200) -> dict[str, int]:
    """Signed-in personas outside `allowed` get 404; anonymous users go to the login page.
    City reviewers not named answer like the city viewers."""
    answers = {p: 302 if p == "anon" else ok if p in allowed else 404 for p in PERSONAS}
    if "rita" not in allowed:
        answers["rita"] = answers["carol"]
    if "rex" not in allowed:
        answers["rex"] = answers["charlie"]
    return answers


EVERYONE = row(302, 200, 200, 200, 200, 200, 200, 200)
POST_ONLY = row(302, 405, 405, 405, 405, 405, 405, 405)

# Every named URL of the project. A URL missing here fails test_every_url_has_an_entry.
EXPECTED: dict[str, dict[str, int]] = {
    "healthz": row(200, 200, 200, 200, 200, 200, 200, 200),
    "home": row(302, 302, 302, 302, 302, 302, 302, 302),
    "login": row(200, 200, 200, 200, 200, 200, 200, 200),
    "logout": POST_ONLY,
    "password_change": EVERYONE,
    # Already-verified personas are sent home; others see the 2FA pages.
    "otp_setup": row(302, 200, 200, 200, 200, 302, 302, 302, rita=302, rex=302),
    "otp_verify": row(302, 302, 302, 302, 302, 302, 302, 302),
    # The message centre: everyone's own notices; the sample pk is nobody's notice (404);
    # tests/notices/test_centre.py checks them with real notices.
    "notices:list": EVERYONE,
    "notices:settings": EVERYONE,
    "notices:open": only(),
    "notices:read": POST_ONLY,
    "notices:read_all": POST_ONLY,
    "bases:list": only("carol", "charlie", "pat"),
    "bases:detail": only("alice", "carol", "pat"),
    "bases:handover": only("pat"),
    "bases:handover_request": POST_ONLY,
    "bases:handovers": only("pat"),
    "bases:audit_log": only("audrey"),
    # The roster (SPEC section 10): the officer writes; the province and the city read.
    "bases:roster": only("alice", "carol", "pat"),
    "bases:roster_history": only("alice", "carol", "pat"),
    "bases:roster_detail": only("alice", "carol", "pat"),
    "bases:roster_new": only("alice"),
    "bases:roster_edit": only("alice"),
    "bases:roster_move_out": only("alice"),
    "bases:roster_year": only("alice"),
    "bases:roster_duplicates": only("pat"),
    # Workbooks, coverage and charts of the ledger and roster (tests/ledger/
    # test_overview_scope.py checks them with the platform account too).
    "bases:roster_export": only("alice", "carol", "pat"),
    "bases:roster_import": only("alice"),
    # Province-wide exports start a background job and go on to its page.
    "bases:roster_export_province": only("pat", ok=302),
    "bases:ledger:chart": only("alice", "carol", "pat"),
    "bases:ledger:export": only("alice", "carol", "pat"),
    "bases:ledger:import": only("alice"),
    "bases:ledger_coverage": only("carol", "charlie", "pat"),
    "bases:ledger_chart": only("carol", "charlie", "pat"),
    "bases:ledger_export_province": only("pat", ok=302),
    # The service ledger: the base's readers read it, only its officer writes. The sample pk
    # is no ledger entry here (so 404 for all); tests/ledger/test_scope.py checks those URLs
    # with real entries.
    "bases:ledger:activities": only("alice", "carol", "pat"),
    "bases:ledger:institutions": only("alice", "carol", "pat"),
    "bases:ledger:history": only("alice", "carol", "pat"),
    "bases:ledger:activity_new": only("alice"),
    "bases:ledger:institution_new": only("alice"),
    **{f"bases:ledger:{name}": only() for name in (
        "activity", "activity_edit", "activity_delete", "attachment_upload", "attachment",
        "attachment_delete", "institution_edit", "institution_delete")},
    "reporting:overview": only("pat"),
    # The city viewer's page (issue 16.12): their own city's progress and statistics.
    "reporting:city": only("carol", "charlie"),
    "reporting:queue": only("pat"),
    "reporting:city_queue": only("rita", "rex"),
    "reporting:rounds": only("pat"),
    "reporting:round": only("pat"),
    "reporting:completeness_workbook": only("pat"),
    "reporting:report": only("alice", "carol", "pat"),
    "reporting:review": POST_ONLY,
    "reporting:prefill": POST_ONLY,
    "statistics:index": only("carol", "charlie", "pat"),
    "statistics:rankings": only("carol", "charlie", "pat"),
    "statistics:cities": only("carol", "charlie", "pat"),
    "statistics:annex_workbook": only("carol", "charlie", "pat"),
    "statistics:chart_data": only("carol", "charlie", "pat"),
    "statistics:bulletin": only("pat"),
    "statistics:bulletin_docx": only("pat"),
    "reporting:report_workbook": only("alice", "carol", "pat"),
    "reporting:report_fill_in": only("alice", "carol", "pat"),
    "reporting:report_upload": POST_ONLY,
    "reporting:import": only("pat"),
    "reporting:import_template": only("pat"),
    "reporting:export": only("pat"),
    # The sample job is pat's and still queued: its download goes back to the job page.
    "reporting:export_job": only("pat"),
    "reporting:export_job_status": only("pat"),
    "reporting:export_job_download": only("pat", ok=302),
    # The API answers 401 JSON to anonymous callers rather than redirecting to the login page.
    "api-indicators": row(401, 200, 200, 200, 200, 200, 404, 404),
    "api-bases": row(401, 200, 200, 200, 200, 200, 404, 404),
    "api-base": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-rounds": row(401, 200, 200, 200, 200, 200, 404, 404),
    "api-reports": row(401, 200, 200, 200, 200, 200, 404, 404),
    "api-report": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-prefill": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-report-history": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-report-submit": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-report-return": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-report-approve": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-report-city-approve": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-report-reopen": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-annexes": row(401, 404, 404, 200, 200, 200, 404, 404),
    "api-rankings": row(401, 404, 404, 200, 200, 200, 404, 404),
    "api-completeness": row(401, 404, 404, 404, 404, 200, 404, 404),
    # A base's ledger and roster (SPEC 9, 10); the sample pk is an enterprise of base A but
    # no ledger entry (tests/api/test_api_platform.py checks those with real entries).
    "api-activities": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-activity": row(401, 404, 404, 404, 404, 404, 404, 404),
    "api-activity-attachments": row(401, 404, 404, 404, 404, 404, 404, 404),
    "api-institutions": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-institution": row(401, 404, 404, 404, 404, 404, 404, 404),
    "api-enterprises": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-enterprise": row(401, 200, 404, 200, 404, 200, 404, 404),
    "api-enterprise-year": row(401, 405, 404, 405, 404, 405, 404, 404),
    "api-enterprise-duplicates": row(401, 404, 404, 404, 404, 200, 404, 404),
    # The base's platform account (平台对接): registered, requested and approved by POST.
    "bases:platform_register": POST_ONLY,
    "bases:platform_request": POST_ONLY,
    "bases:platform_decide": POST_ONLY,
    "bases:platform_token": POST_ONLY,
    # The schema and its Swagger UI: any signed-in account, like the API they describe.
    "schema": row(401, 200, 200, 200, 200, 200, 200, 200),
    "swagger-ui": row(401, 200, 200, 200, 200, 200, 200, 200),
    # The admin: the province and security admins' workbench; other signed-in personas get
    # the audited 404 (anonymous users go to the portal's login page).
    "admin:*": row(302, 404, 404, 404, 404, 200, 200, 404),
}

SAMPLE_KWARGS = {"code": "A001", "year": "2018", "pk": "1"}


def walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


def table_key(name: str) -> str:
    return "admin:*" if name.startswith("admin:") else name


class UrlPermissionTableTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        cls.report = Report.objects.create(base=cls.base_a, year=2018)
        # The sample `pk` serves both the report and the roster's enterprise pages.
        Enterprise.objects.create(pk=cls.report.pk, base=cls.base_a, name="样例企业",
                                  credit_code="91350100M000100Y43", moved_in=dt.date(2016, 1, 1))
        cls.export_job = ExportJob.objects.create(requested_by=cls.pat, year=2018,
                                                  scope="all")

    def test_every_url_has_an_entry(self):
        missing = sorted({table_key(name) for name, _ in walk(get_resolver().url_patterns)}
                         - set(EXPECTED))
        self.assertFalse(missing, f"add these URLs to EXPECTED: {missing}")

    def test_every_url_answers_each_persona_as_expected(self):
        from django.urls import reverse

        checked = 0
        for name, route in walk(get_resolver().url_patterns):
            if name.startswith("admin:") and name != "admin:index":
                continue
            samples = {**SAMPLE_KWARGS, "pk": str(self.report.pk),
                       "job_id": str(self.export_job.pk)}
            kwargs = {k: v for k, v in samples.items() if f"<{k}>" in route or f":{k}>" in route}
            url = reverse(name, kwargs=kwargs)
            for persona, expected in EXPECTED[table_key(name)].items():
                self.client.logout()
                if persona != "anon":
                    self.login(getattr(self, persona))
                status = self.client.get(url).status_code
                with self.subTest(url=url, persona=persona):
                    self.assertEqual(status, expected)
                checked += 1
        self.assertGreater(checked, 100)


class ScopeTests(BaseTestCase):
    def test_officer_cannot_see_other_base(self):
        self.login(self.bob)
        self.assertEqual(self.client.get("/bases/A001/").status_code, 404)

    def test_charlie_gets_404_for_a_base_in_another_city(self):
        self.login(self.charlie)
        response = self.client.get("/bases/A001/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "页面不存在", status_code=404)

    def test_city_viewer_lists_only_own_city_bases(self):
        self.login(self.carol)
        response = self.client.get("/bases/")
        self.assertContains(response, "长沙科技新城")
        self.assertNotContains(response, "株洲创业园")

    def test_province_admin_filters_bases_by_city_batch_and_search(self):
        self.login(self.pat)
        self.assertNotContains(self.client.get(f"/bases/?city={self.zhuzhou.pk}"), "长沙科技新城")
        self.assertContains(self.client.get("/bases/?batch=2"), "株洲创业园")
        self.assertNotContains(self.client.get("/bases/?batch=2"), "长沙科技新城")
        self.assertContains(self.client.get("/bases/?q=A00"), "长沙科技新城")

    def test_each_role_lands_on_its_own_home(self):
        expected = {"alice": "/bases/A001/", "carol": "/bases/", "pat": "/province/",
                    "sam": "/admin/", "audrey": "/audit/", "rita": "/city/reviews/"}
        for name, target in expected.items():
            self.login(getattr(self, name))
            self.assertRedirects(self.client.get("/"), target, fetch_redirect_response=False)

    def test_out_of_scope_access_is_audited(self):
        from bases.models import AuditEvent

        self.login(self.charlie)
        self.client.get("/bases/A001/")
        event = AuditEvent.objects.get(event="scope_denied")
        self.assertEqual((event.actor_username, event.object_repr, event.outcome),
                         ("charlie", "base:A001", "denied"))

    def test_security_admin_manages_accounts_but_not_bases(self):
        self.login(self.sam)
        self.assertEqual(self.client.get("/admin/bases/user/").status_code, 200)
        self.assertEqual(self.client.get("/admin/bases/base/").status_code, 403)
        self.assertEqual(self.client.get("/admin/reporting/report/").status_code, 403)

    def test_province_admin_cannot_manage_accounts_in_admin(self):
        self.login(self.pat)
        self.assertEqual(self.client.get("/admin/bases/base/").status_code, 200)
        self.assertEqual(self.client.get("/admin/bases/user/").status_code, 403)
