"""The officer's ledger pages end to end: real HTTP posts, real files written and read back."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bases.ledger import files, services
from bases.ledger.models import ActivityAttachment, Institution, LedgerChange, ServiceActivity
from bases.models import AuditEvent
from reporting.models import Report, Status
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase, small_pdf, small_png, windows_executable

VALID_CREDIT_CODE = "91350100M000100Y43"


def activity_post(**overrides: object) -> dict[str, str]:
    values = {"date": "2018-06-01", "category": "financing", "title": "投融资对接会",
              "provider": "self", "enterprises_served": "12", "note": "", "external_id": ""}
    values.update({key: str(value) for key, value in overrides.items()})
    return values


class ActivityFormTests(LedgerTestCase):
    def setUp(self) -> None:
        sign_in(self.client, self.alice)
        self.new_url = f"/bases/{self.base_a.code}/ledger/activities/new/"

    def test_officer_records_an_activity_and_it_is_listed_and_audited(self):
        response = self.client.post(self.new_url, activity_post(
            provider=self.institution.pk, external_id="PLAT-1"))
        activity = ServiceActivity.objects.get(title="投融资对接会")
        self.assertRedirects(response, f"/bases/A001/ledger/activities/{activity.pk}/")
        self.assertEqual((activity.provider, activity.enterprises_served, activity.created_by),
                         (self.institution, 12, self.alice))
        listing = self.client.get("/bases/A001/ledger/?year=2018&category=financing")
        self.assertContains(listing, "投融资对接会")
        self.assertNotContains(listing, "创业培训班")
        self.assertTrue(AuditEvent.objects.filter(
            event="ledger_activity_create", object_repr=f"activity:{activity.pk}").exists())

    def assert_refused(self, post: dict[str, str], *fragments: str) -> None:
        count, changes = self.activity_count(), LedgerChange.objects.count()
        response = self.client.post(self.new_url, post)
        self.assertEqual(response.status_code, 400)
        for fragment in fragments:
            self.assertContains(response, fragment, status_code=400)
        self.assertEqual(self.activity_count(), count)
        self.assertEqual(LedgerChange.objects.count(), changes)

    def test_date_in_the_future_is_refused_naming_the_field(self):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        self.assert_refused(activity_post(date=tomorrow.isoformat()), "活动日期：不能晚于今天")

    def test_date_before_the_designation_year_is_refused(self):
        self.assert_refused(activity_post(date="2014-12-31"),
                            "活动日期：不能早于基地的认定年份（2015年）")

    def test_unknown_category_is_refused(self):
        self.assert_refused(activity_post(category="lobbying"), "服务类别：")

    def test_enterprises_served_out_of_range_is_refused(self):
        for value in ("-1", "100001"):
            self.assert_refused(activity_post(enterprises_served=value),
                                "服务企业家次：须为0至100000之间的整数")
        self.assert_refused(activity_post(enterprises_served="十二"), "服务企业家次：")

    def test_institution_of_another_base_is_refused_and_audited(self):
        bobs = services.create_institution(
            base=self.base_b, actor=self.bob, data=services.InstitutionInput(
                name="株洲服务机构", categories=("info",), since=dt.date(2018, 1, 1)))
        self.assert_refused(activity_post(provider=bobs.pk),
                            "服务提供方：所选服务机构不是本基地的第三方服务机构")
        self.assertTrue(AuditEvent.objects.filter(
            event="ledger_refused", outcome="denied", actor_username="alice",
            detail__contains="服务提供方").exists())

    def test_duplicate_external_id_is_refused(self):
        self.client.post(self.new_url, activity_post(external_id="PLAT-9"))
        self.assert_refused(activity_post(external_id="PLAT-9", title="另一场"),
                            "外部编号：“PLAT-9”已被本基地的另一条服务活动记录使用")

    def test_service_refuses_an_unknown_category_and_non_integer_counts(self):
        for data, field in (
            (services.ActivityInput(date=dt.date(2018, 1, 2), category="lobbying", title="x"),
             "category"),
            (services.ActivityInput(date=dt.date(2018, 1, 2), category="info", title="x",
                                    enterprises_served=True), "enterprises_served"),
        ):
            with self.assertRaises(services.LedgerRefused) as refused:
                services.create_activity(base=self.base_a, actor=self.alice, data=data)
            self.assertEqual(refused.exception.field, field)
        self.assertEqual(self.activity_count(), 1)

    def test_officer_edits_and_the_history_shows_before_and_after(self):
        url = f"/bases/A001/ledger/activities/{self.activity.pk}/edit/"
        self.assertContains(self.client.get(url), "创业培训班")
        response = self.client.post(url, activity_post(
            date="2018-05-10", category="training", title="创业培训班（第二期）",
            provider=self.institution.pk, enterprises_served=45))
        self.assertEqual(response.status_code, 302)
        history = self.client.get("/bases/A001/ledger/history/")
        change = LedgerChange.objects.filter(action="update").get()
        self.assertEqual((change.before["enterprises_served"], change.after["enterprises_served"]),
                         (30, 45))
        rows = [row for row in history.context["page"] if row.pk == change.pk][0].rows
        self.assertIn({"label": "服务企业家次", "before": "30", "after": "45"}, rows)
        self.assertIn({"label": "活动名称", "before": "创业培训班",
                       "after": "创业培训班（第二期）"}, rows)
        self.assertNotIn("活动日期", [row["label"] for row in rows])  # unchanged: not shown
        self.assertContains(history, "创业培训班（第二期）")
        sign_in(self.client, self.carol)  # the city reads the history too
        self.assertContains(self.client.get("/bases/A001/ledger/history/"), "alice")

    def test_delete_asks_for_confirmation_then_deletes_with_history(self):
        url = f"/bases/A001/ledger/activities/{self.activity.pk}/delete/"
        self.assertContains(self.client.get(url), "确认删除")
        self.assertEqual(self.activity_count(), 1)
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertEqual(self.activity_count(), 0)
        change = LedgerChange.objects.get(action="delete", kind="activity")
        self.assertEqual((change.before["title"], change.after), ("创业培训班", None))

    def test_filters_have_labels(self):
        response = self.client.get("/bases/A001/ledger/")
        self.assertContains(response, '<label for="id_year">年度</label>', html=True)
        self.assertContains(response, '<label for="id_category">服务类别</label>', html=True)


class YearLockTests(LedgerTestCase):
    def setUp(self) -> None:
        sign_in(self.client, self.alice)
        self.report = Report.objects.create(base=self.base_a, year=2018, status=Status.APPROVED)

    def locked_message(self, year: int = 2018) -> str:
        return services.LOCKED_MESSAGE.format(year=year)

    def test_approved_year_refuses_new_edited_and_deleted_entries(self):
        edit = f"/bases/A001/ledger/activities/{self.activity.pk}/edit/"
        attempts = [
            self.client.post("/bases/A001/ledger/activities/new/", activity_post()),
            self.client.post(edit, activity_post(title="改名")),
            # Moving the entry out of the locked year changes that year too.
            self.client.post(edit, activity_post(date="2019-01-05")),
            self.client.post(f"/bases/A001/ledger/activities/{self.activity.pk}/delete/"),
            self.client.post(f"/bases/A001/ledger/activities/{self.activity.pk}/attachments/",
                             {"file": SimpleUploadedFile("a.pdf", small_pdf())}),
        ]
        for response in attempts:
            self.assertContains(response, self.locked_message(), status_code=400)
        self.activity.refresh_from_db()
        self.assertEqual((self.activity.title, self.activity.date.year), ("创业培训班", 2018))
        self.assertEqual((self.activity_count(), ActivityAttachment.objects.count()), (1, 0))
        self.assertEqual(AuditEvent.objects.filter(event="ledger_refused").count(), 5)

    def test_other_years_stay_open(self):
        response = self.client.post("/bases/A001/ledger/activities/new/",
                                    activity_post(date="2017-04-01"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(ServiceActivity.objects.filter(date__year=2017).exists())

    def test_reopened_report_unlocks_the_year(self):
        self.report.status = Status.DRAFT  # what a reopen leaves
        self.report.save()
        response = self.client.post(f"/bases/A001/ledger/activities/{self.activity.pk}/edit/",
                                    activity_post(date="2018-05-10", title="改名"))
        self.assertEqual(response.status_code, 302)
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.title, "改名")

    def test_list_says_the_year_is_locked_and_hides_the_add_button(self):
        response = self.client.get("/bases/A001/ledger/?year=2018")
        self.assertContains(response, "2018年度报表已审核，该年度台帐已锁定")
        self.assertNotContains(response, "记录服务活动</a>")

    def test_institution_changes_that_alter_a_locked_year_are_refused(self):
        url = f"/bases/A001/ledger/institutions/{self.institution.pk}/edit/"
        post = {"name": "长沙创业服务中心", "categories": ["training"], "since": "2016-03-01"}
        # Ending the cooperation in 2018 removes it from 2018's count: refused.
        response = self.client.post(url, {**post, "until": "2018-06-30"})
        self.assertContains(response, self.locked_message(), status_code=400)
        # Ending it in 2019 leaves 2018 as approved: allowed.
        self.assertEqual(self.client.post(url, {**post, "until": "2019-06-30"}).status_code, 302)
        self.institution.refresh_from_db()
        self.assertEqual(self.institution.until, dt.date(2019, 6, 30))
        created = self.client.post("/bases/A001/ledger/institutions/new/", {
            "name": "新机构", "categories": ["info"], "since": "2018-02-01"})
        self.assertContains(created, self.locked_message(), status_code=400)
        self.assertEqual(self.institution_count(), 1)


class InstitutionFormTests(LedgerTestCase):
    def setUp(self) -> None:
        sign_in(self.client, self.alice)
        self.url = "/bases/A001/ledger/institutions/new/"

    def test_officer_adds_an_institution_with_a_checked_credit_code(self):
        response = self.client.post(self.url, {
            "name": "湖南知识产权服务所", "credit_code": VALID_CREDIT_CODE.lower(),
            "categories": ["professional", "info"], "since": "2017-01-01"})
        self.assertRedirects(response, "/bases/A001/ledger/institutions/")
        institution = Institution.objects.get(name="湖南知识产权服务所")
        self.assertEqual((institution.credit_code, institution.categories),
                         (VALID_CREDIT_CODE, ["info", "professional"]))
        self.assertContains(self.client.get("/bases/A001/ledger/institutions/"),
                            "信息服务、专业服务")

    def test_bad_credit_code_and_dates_are_refused_naming_the_field(self):
        cases = [
            ({"credit_code": VALID_CREDIT_CODE[:-1] + "0"}, "统一社会信用代码：校验位不正确"),
            ({"until": "2016-12-31"}, "合作终止日期：不能早于合作起始日期（2017-01-01）"),
            ({"since": "2099-01-01"}, "合作起始日期：不能晚于今天"),
            ({"categories": []}, "服务类别："),
        ]
        for override, message in cases:
            post = {"name": "某机构", "categories": ["info"], "since": "2017-01-01", **override}
            response = self.client.post(self.url, post)
            self.assertContains(response, message, status_code=400)
        self.assertEqual(self.institution_count(), 1)

    def test_institution_with_activities_cannot_be_deleted(self):
        response = self.client.post(
            f"/bases/A001/ledger/institutions/{self.institution.pk}/delete/")
        self.assertContains(response, "该机构是1条服务活动的服务提供方，不能删除", status_code=400)
        self.assertEqual(self.institution_count(), 1)


class AttachmentTests(LedgerTestCase):
    def setUp(self) -> None:
        sign_in(self.client, self.alice)
        self.url = f"/bases/A001/ledger/activities/{self.activity.pk}/attachments/"

    def upload(self, name: str, content: bytes):
        return self.client.post(self.url, {"file": SimpleUploadedFile(
            name, content, content_type="application/pdf")})

    def test_real_pdf_and_png_are_stored_outside_the_web_root_and_downloaded_as_attachments(self):
        for name, content, content_type in (("签到表.pdf", small_pdf(), "application/pdf"),
                                            ("现场照片.png", small_png(), "image/png")):
            self.assertEqual(self.upload(name, content).status_code, 302)
            attachment = ActivityAttachment.objects.get(original_name=name)
            self.assertEqual(attachment.content_type, content_type)
            path = files.path_of(attachment.stored_name)
            self.assertTrue(path.is_relative_to(self.private_dir))
            self.assertEqual(path.read_bytes(), content)
            for user in (self.alice, self.carol, self.pat):
                sign_in(self.client, user)
                response = self.client.get(f"/bases/A001/ledger/attachments/{attachment.pk}/")
                self.assertEqual(b"".join(response.streaming_content), content)
                self.assertTrue(response["Content-Disposition"].startswith("attachment"))
                self.assertEqual(response["Content-Type"], content_type)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Content-Security-Policy"],
                                 "sandbox; default-src 'none'")
            sign_in(self.client, self.bob)
            self.assertEqual(self.client.get(
                f"/bases/A001/ledger/attachments/{attachment.pk}/").status_code, 404)
            sign_in(self.client, self.alice)

    def test_jpeg_is_recognised_by_content(self):
        self.assertEqual(self.upload("photo.bin", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
                         .status_code, 302)
        self.assertEqual(ActivityAttachment.objects.get().content_type, "image/jpeg")

    def stored_files(self) -> list:
        return [path for path in self.private_dir.rglob("*") if path.is_file()]

    def test_executable_renamed_pdf_is_refused_and_nothing_is_kept(self):
        kept = self.stored_files()
        response = self.upload("会议纪要.pdf", windows_executable())
        self.assertContains(response, "证明材料：“会议纪要.pdf”不是 PDF、JPEG 或 PNG 文件",
                            status_code=400)
        self.assertEqual(ActivityAttachment.objects.count(), 0)
        self.assertEqual(self.stored_files(), kept)
        self.assertTrue(AuditEvent.objects.filter(event="ledger_refused",
                                                  detail__contains="会议纪要.pdf").exists())

    def test_oversized_file_is_refused(self):
        kept = self.stored_files()
        response = self.upload("big.pdf", b"%PDF-" + b"0" * files.MAX_BYTES)
        self.assertContains(response, "证明材料：“big.pdf”超过5 MB", status_code=400)
        self.assertEqual(self.stored_files(), kept)
        self.assertEqual(ActivityAttachment.objects.count(), 0)

    def test_deleting_an_attachment_removes_the_file_and_keeps_history(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.upload("签到表.pdf", small_pdf())
        attachment = ActivityAttachment.objects.get()
        path = files.path_of(attachment.stored_name)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(f"/bases/A001/ledger/attachments/{attachment.pk}/delete/")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(path.exists())
        change = LedgerChange.objects.get(kind="attachment", action="delete")
        self.assertEqual(change.before["original_name"], "签到表.pdf")


class LedgerLinksAndWritersTests(LedgerTestCase):
    def test_base_page_and_officer_nav_link_to_the_ledger(self):
        for user in (self.alice, self.carol, self.pat):
            sign_in(self.client, user)
            self.assertContains(self.client.get("/bases/A001/"), 'href="/bases/A001/ledger/"')
        sign_in(self.client, self.alice)
        home = self.client.get("/bases/A001/ledger/")
        self.assertContains(home, '<a href="/bases/A001/ledger/">服务台帐</a>', html=True)

    def test_services_refuse_anyone_but_the_bases_officer(self):
        data = services.ActivityInput(date=dt.date(2018, 2, 1), category="info", title="x")
        for user in (self.bob, self.carol, self.pat):
            with self.assertRaises(services.LedgerRefused):
                services.create_activity(base=self.base_a, actor=user, data=data)
            with self.assertRaises(services.LedgerRefused):
                services.delete_institution(institution=self.institution, actor=user)
        self.assertEqual((self.activity_count(), self.institution_count()), (1, 1))
        self.assertEqual(AuditEvent.objects.filter(event="ledger_refused").count(), 6)

    def test_readers_see_no_writing_controls(self):
        sign_in(self.client, self.carol)
        detail = self.client.get(f"/bases/A001/ledger/activities/{self.activity.pk}/")
        self.assertNotContains(detail, "/edit/")
        self.assertNotContains(detail, 'type="file"')
        self.assertNotContains(self.client.get("/bases/A001/ledger/"), "记录服务活动</a>")

    def test_missing_file_on_disk_is_a_404_not_a_500(self):
        with self.captureOnCommitCallbacks(execute=True):
            attachment = services.add_attachment(
                activity=self.activity, actor=self.alice,
                upload=SimpleUploadedFile("a.png", small_png()))
        files.remove(attachment.stored_name)
        sign_in(self.client, self.alice)
        self.assertEqual(self.client.get(
            f"/bases/A001/ledger/attachments/{attachment.pk}/").status_code, 404)
