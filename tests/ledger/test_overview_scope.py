"""Scope of every page of the ledger's and roster's files and of the province's and cities'
overview: each persona reaches exactly what it may, everyone else gets the audited 404."""

from bases.models import AuditEvent, Role
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase

BASE_READ = ("/bases/A001/ledger/chart/", "/bases/A001/ledger/export/?year=2018",
             "/bases/A001/roster/export/?year=2018")
BASE_WRITE = ("/bases/A001/ledger/import/", "/bases/A001/roster/import/")
OVERVIEW = ("/ledger/", "/ledger/?year=2018", "/ledger/chart/?year=2018")
PROVINCE_ONLY = ("/ledger/export/?year=2018", "/roster/export/?year=2018")
ALL = BASE_READ + BASE_WRITE + OVERVIEW + PROVINCE_ONLY


class OverviewScopeTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.platform = cls.make_user("platform-a", Role.PLATFORM, base=cls.base_a)

    def assert_reach(self, user, allowed: tuple[str, ...]) -> None:
        sign_in(self.client, user)
        for url in ALL:
            denied = AuditEvent.objects.filter(event="scope_denied").count()
            status = self.client.get(url).status_code
            if url in allowed:
                # The province-wide exports answer with their background job's page.
                self.assertEqual(status, 302 if url in PROVINCE_ONLY else 200,
                                 f"{user.username} {url}")
            else:
                self.assertEqual(status, 404, f"{user.username} {url}")
                self.assertEqual(AuditEvent.objects.filter(event="scope_denied").count(),
                                 denied + 1, f"{user.username} {url} not audited")

    def test_officer_reads_writes_own_base_and_sees_no_overview(self):
        self.assert_reach(self.alice, BASE_READ + BASE_WRITE)

    def test_other_officer_reaches_nothing_of_base_a(self):
        self.assert_reach(self.bob, ())

    def test_city_viewer_of_the_city_reads_the_base_and_the_overview(self):
        self.assert_reach(self.carol, BASE_READ + OVERVIEW)

    def test_city_viewer_of_another_city_reads_only_its_own_overview(self):
        self.assert_reach(self.charlie, OVERVIEW)

    def test_province_reads_everything_and_writes_nothing(self):
        self.assert_reach(self.pat, BASE_READ + OVERVIEW + PROVINCE_ONLY)

    def test_security_and_audit_admins_get_404(self):
        for user in (self.sam, self.audrey):
            with self.subTest(user=user.username):
                self.assert_reach(user, ())

    def test_a_platform_account_never_reaches_a_page(self):
        # Machine accounts have no web pages at all: refused (403) and audited before any
        # view runs (bases.middleware.PlatformAccountMiddleware), whatever the URL.
        for url in ALL:
            sign_in(self.client, self.platform)
            denied = AuditEvent.objects.filter(event="platform_web_denied").count()
            self.assertEqual(self.client.get(url).status_code, 403, url)
            self.assertEqual(AuditEvent.objects.filter(event="platform_web_denied").count(),
                             denied + 1, url)

    def test_post_to_import_by_a_reader_is_404_and_saves_nothing(self):
        sign_in(self.client, self.pat)
        response = self.client.post("/bases/A001/ledger/import/", {})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.activity_count(), 1)
