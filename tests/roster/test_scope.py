"""Who reaches which roster page: the base's officer writes, the province and the city's
viewer read, everyone else gets an audited 404."""

from bases.models import AuditEvent
from bases.roster.models import Enterprise, RosterChange
from tests.base import sign_in
from tests.roster.helpers import RosterTestCase, enterprise_form, figures


class RosterScopeTests(RosterTestCase):
    def read_urls(self, base_code: str, pk: int) -> list[str]:
        return [f"/bases/{base_code}/roster/", f"/bases/{base_code}/roster/history/",
                f"/bases/{base_code}/roster/{pk}/",
                f"/bases/{base_code}/roster/history/?enterprise={pk}"]

    def write_urls(self, base_code: str, pk: int) -> list[str]:
        return [f"/bases/{base_code}/roster/new/", f"/bases/{base_code}/roster/{pk}/edit/",
                f"/bases/{base_code}/roster/{pk}/move-out/",
                f"/bases/{base_code}/roster/{pk}/years/2018/"]

    def assert_statuses(self, user, urls: list[str], expected: int) -> None:
        sign_in(self.client, user)
        for url in urls:
            denied_before = AuditEvent.objects.filter(event="scope_denied").count()
            with self.subTest(user=user.username, url=url):
                self.assertEqual(self.client.get(url).status_code, expected)
                if expected == 404:
                    self.assertEqual(
                        AuditEvent.objects.filter(event="scope_denied").count(),
                        denied_before + 1)

    def test_officer_reads_and_writes_own_base(self):
        self.assert_statuses(self.alice, self.read_urls("A001", self.ent_a.pk)
                             + self.write_urls("A001", self.ent_a.pk), 200)

    def test_officer_cannot_see_other_base(self):
        self.assert_statuses(self.alice, self.read_urls("B001", self.ent_b.pk)
                             + self.write_urls("B001", self.ent_b.pk), 404)

    def test_officer_cannot_reach_other_base_enterprise_through_own_base(self):
        urls = self.read_urls("A001", self.ent_b.pk)[2:] + self.write_urls("A001",
                                                                          self.ent_b.pk)[1:]
        self.assert_statuses(self.alice, urls, 404)

    def test_city_viewer_reads_own_city_base_but_cannot_write(self):
        self.assert_statuses(self.carol, self.read_urls("A001", self.ent_a.pk), 200)
        self.assert_statuses(self.carol, self.write_urls("A001", self.ent_a.pk), 404)

    def test_city_viewer_cannot_see_other_city(self):
        self.assert_statuses(self.charlie, self.read_urls("A001", self.ent_a.pk)
                             + self.write_urls("A001", self.ent_a.pk), 404)

    def test_province_reads_every_base_but_cannot_write(self):
        self.assert_statuses(self.pat, self.read_urls("A001", self.ent_a.pk)
                             + self.read_urls("B001", self.ent_b.pk), 200)
        self.assert_statuses(self.pat, self.write_urls("A001", self.ent_a.pk), 404)

    def test_security_and_audit_admins_see_no_roster(self):
        for user in (self.sam, self.audrey):
            self.assert_statuses(user, self.read_urls("A001", self.ent_a.pk)
                                 + self.write_urls("A001", self.ent_a.pk)
                                 + ["/roster/duplicates/"], 404)

    def test_only_the_province_sees_the_duplicates_page(self):
        self.assert_statuses(self.pat, ["/roster/duplicates/?year=2018"], 200)
        for user in (self.alice, self.carol):
            self.assert_statuses(user, ["/roster/duplicates/?year=2018"], 404)

    def test_anonymous_visitor_is_sent_to_login(self):
        for url in self.read_urls("A001", self.ent_a.pk) + ["/roster/duplicates/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/accounts/login/", response["Location"])

    def test_posts_outside_scope_save_nothing(self):
        changes = RosterChange.objects.count()
        for user, code, pk in ((self.bob, "A001", self.ent_a.pk),
                               (self.carol, "A001", self.ent_a.pk),
                               (self.pat, "A001", self.ent_a.pk)):
            sign_in(self.client, user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.post(
                    f"/bases/{code}/roster/new/",
                    enterprise_form(credit_code="91350100M000100Y43")).status_code, 404)
                self.assertEqual(self.client.post(
                    f"/bases/{code}/roster/{pk}/years/2018/", figures()).status_code, 404)
                self.assertEqual(self.client.post(
                    f"/bases/{code}/roster/{pk}/move-out/",
                    {"moved_out": "2019-01-01"}).status_code, 404)
        self.assertEqual(RosterChange.objects.count(), changes)
        self.assertFalse(Enterprise.objects.filter(credit_code="91350100M000100Y43").exists())
        self.ent_a.refresh_from_db()
        self.assertIsNone(self.ent_a.moved_out)

    def test_contact_is_hidden_from_the_city_viewer(self):
        self.ent_a.contact = "张三 13800000000"
        self.ent_a.save()
        for user, shown in ((self.alice, True), (self.pat, True), (self.carol, False)):
            sign_in(self.client, user)
            with self.subTest(user=user.username):
                page = self.client.get(f"/bases/A001/roster/{self.ent_a.pk}/").content.decode()
                self.assertEqual("13800000000" in page, shown)

    def test_base_page_and_officer_nav_link_to_the_roster(self):
        sign_in(self.client, self.alice)
        page = self.client.get("/bases/A001/").content.decode()
        self.assertEqual(page.count('href="/bases/A001/roster/"'), 2)
        sign_in(self.client, self.pat)
        page = self.client.get("/bases/A001/").content.decode()
        self.assertIn('href="/bases/A001/roster/"', page)
        self.assertIn('href="/roster/duplicates/"', page)
