"""Who reaches which ledger page: the base's officer reads and writes; its city's viewer and
the province read; everyone else (and a reader at a writing page) gets the audited 404."""

from django.core.files.uploadedfile import SimpleUploadedFile

from bases.ledger import services
from bases.ledger.models import ActivityAttachment, LedgerChange, ServiceActivity
from bases.models import AuditEvent
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase, small_pdf


class LedgerScopeTests(LedgerTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.attachment = services.add_attachment(
            activity=cls.activity, actor=cls.alice,
            upload=SimpleUploadedFile("签到表.pdf", small_pdf()))

    def urls(self) -> tuple[list[str], list[str]]:
        root = f"/bases/{self.base_a.code}/ledger/"
        a, i, f = self.activity.pk, self.institution.pk, self.attachment.pk
        read = [root, f"{root}?year=2018&category=training", f"{root}activities/{a}/",
                f"{root}attachments/{f}/", f"{root}institutions/", f"{root}history/"]
        write = [f"{root}activities/new/", f"{root}activities/{a}/edit/",
                 f"{root}activities/{a}/delete/", f"{root}attachments/{f}/delete/",
                 f"{root}institutions/new/", f"{root}institutions/{i}/edit/",
                 f"{root}institutions/{i}/delete/"]
        return read, write

    def assert_status(self, user, urls: list[str], status: int) -> None:
        sign_in(self.client, user)
        for url in urls:
            denied_before = AuditEvent.objects.filter(event="scope_denied",
                                                      actor_username=user.username).count()
            response = self.client.get(url)
            self.assertEqual(response.status_code, status, f"{user.username} {url}")
            if status == 404:
                self.assertEqual(
                    AuditEvent.objects.filter(event="scope_denied",
                                              actor_username=user.username).count(),
                    denied_before + 1, f"{user.username} {url} not audited")

    def test_officer_reads_and_writes_own_base_ledger(self):
        read, write = self.urls()
        self.assert_status(self.alice, read + write, 200)

    def test_officer_of_other_base_gets_404_everywhere(self):
        read, write = self.urls()
        self.assert_status(self.bob, read + write, 404)

    def test_city_viewer_of_the_base_city_reads_but_cannot_write(self):
        read, write = self.urls()
        self.assert_status(self.carol, read, 200)
        self.assert_status(self.carol, write, 404)

    def test_city_viewer_of_other_city_gets_404_everywhere(self):
        read, write = self.urls()
        self.assert_status(self.charlie, read + write, 404)

    def test_province_reads_but_cannot_write(self):
        read, write = self.urls()
        self.assert_status(self.pat, read, 200)
        self.assert_status(self.pat, write, 404)

    def test_security_and_audit_admins_get_404_everywhere(self):
        read, write = self.urls()
        self.assert_status(self.sam, read + write, 404)
        self.assert_status(self.audrey, read + write, 404)

    def test_reader_posting_to_writing_pages_changes_nothing(self):
        root = f"/bases/{self.base_a.code}/ledger/"
        changes = LedgerChange.objects.count()
        for user in (self.pat, self.carol, self.bob):
            sign_in(self.client, user)
            responses = [
                self.client.post(f"{root}activities/new/", {
                    "date": "2018-06-01", "category": "info", "title": "x",
                    "provider": "self", "enterprises_served": "1"}),
                self.client.post(f"{root}activities/{self.activity.pk}/delete/"),
                self.client.post(f"{root}activities/{self.activity.pk}/attachments/",
                                 {"file": SimpleUploadedFile("a.pdf", small_pdf())}),
                self.client.post(f"{root}attachments/{self.attachment.pk}/delete/"),
                self.client.post(f"{root}institutions/{self.institution.pk}/delete/"),
            ]
            self.assertEqual([r.status_code for r in responses], [404] * 5, user.username)
        self.assertEqual(ServiceActivity.objects.count(), 1)
        self.assertEqual(ActivityAttachment.objects.count(), 1)
        self.assertEqual(LedgerChange.objects.count(), changes)

    def test_other_base_ids_under_own_base_code_are_404(self):
        bobs = services.create_activity(
            base=self.base_b, actor=self.bob, data=services.ActivityInput(
                date=self.activity.date, category="info", title="株洲活动"))
        sign_in(self.client, self.alice)
        root = f"/bases/{self.base_a.code}/ledger/"
        for url in (f"{root}activities/{bobs.pk}/", f"{root}activities/{bobs.pk}/edit/"):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertTrue(AuditEvent.objects.filter(
            event="scope_denied", object_repr=f"activity:{bobs.pk}").exists())
