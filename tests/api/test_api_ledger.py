"""The service ledger through the API (issue 18, SPEC 9): shapes, resends, refusals, locks,
attachments. Scope of every endpoint for every persona: test_api_platform.py."""

from __future__ import annotations

from unittest import mock

from bases.ledger import files
from bases.ledger.models import ActivityAttachment, Institution, LedgerChange, ServiceActivity
from bases.models import AuditEvent
from reporting.models import Report, Status
from tests.api.records import RecordsApiTestCase, activity_body, institution_body
from tests.ledger.helpers import small_pdf, small_png, windows_executable
from tests.roster.helpers import credit_code

ACTIVITIES = "/bases/A001/activities/"
INSTITUTIONS = "/bases/A001/institutions/"


class ActivityTests(RecordsApiTestCase):
    def test_an_activity_has_the_shape_of_spec_9(self):
        response = self.call("carol", "get", f"{ACTIVITIES}{self.activity.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {
            "id": self.activity.pk, "date": "2018-05-10", "category": "training",
            "title": "创业培训班", "provider": self.institution.pk, "enterprises_served": 30,
            "note": "", "external_id": "", "attachments": []})

    def test_the_list_is_paginated_and_filtered_by_year(self):
        self.call("alice", "post", ACTIVITIES, activity_body(date="2017-06-01"))
        response = self.call("alice", "get", f"{ACTIVITIES}?year=2018")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 1)
        self.assertEqual([a["id"] for a in body["results"]], [self.activity.pk])
        self.assertEqual(self.call("alice", "get", ACTIVITIES).json()["count"], 2)
        self.assertRefused(self.call("alice", "get", f"{ACTIVITIES}?year=abc"), "year")
        self.assertEqual(self.call("alice", "get", f"{ACTIVITIES}?page=x").status_code, 404)

    def test_the_officer_records_an_activity_provided_by_the_base_itself(self):
        response = self.call("alice", "post", ACTIVITIES, activity_body())
        self.assertEqual(response.status_code, 201, response.content)
        activity = ServiceActivity.objects.get(pk=response.json()["id"])
        self.assertEqual((activity.base, activity.provider, activity.created_by),
                         (self.base_a, None, self.alice))
        self.assertEqual(response.json()["provider"], "self")
        change = LedgerChange.objects.get(object_id=activity.pk, kind="activity")
        self.assertEqual(change.action, "create")
        self.assertTrue(AuditEvent.objects.filter(event="ledger_activity_create",
                                                  actor=self.alice).exists())

    def test_a_resend_with_the_same_external_id_updates_instead_of_duplicating(self):
        first = self.call("plato", "post", ACTIVITIES, activity_body(external_id="P-1"))
        self.assertEqual(first.status_code, 201)
        again = self.call("plato", "post", ACTIVITIES,
                          activity_body(external_id="P-1", enterprises_served=40))
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["id"], first.json()["id"])
        self.assertEqual(ServiceActivity.objects.filter(external_id="P-1").count(), 1)
        self.assertEqual(ServiceActivity.objects.get(external_id="P-1").enterprises_served, 40)
        # The same reference in another base is another record.
        other = self.call("platb", "post", "/bases/B001/activities/",
                          activity_body(external_id="P-1"))
        self.assertEqual(other.status_code, 201)

    def test_patch_changes_only_the_fields_sent(self):
        path = f"{ACTIVITIES}{self.activity.pk}/"
        response = self.call("plato", "patch", path, {"enterprises_served": 31})
        self.assertEqual(response.status_code, 200, response.content)
        self.activity.refresh_from_db()
        self.assertEqual((self.activity.enterprises_served, self.activity.title,
                          self.activity.provider_id, self.activity.updated_by),
                         (31, "创业培训班", self.institution.pk, self.plato))
        self.assertEqual(self.call("plato", "patch", path, {"provider": "self"}).json()
                         ["provider"], "self")

    def test_delete_removes_the_activity_and_keeps_the_history(self):
        response = self.call("alice", "delete", f"{ACTIVITIES}{self.activity.pk}/")
        self.assertEqual(response.status_code, 204)
        self.assertFalse(ServiceActivity.objects.filter(pk=self.activity.pk).exists())
        self.assertTrue(LedgerChange.objects.filter(object_id=self.activity.pk,
                                                    action="delete").exists())


class ActivityRefusalTests(RecordsApiTestCase):
    def refused(self, field: str, **overrides):
        before = ServiceActivity.objects.count()
        body = self.assertRefused(self.call("alice", "post", ACTIVITIES,
                                            activity_body(**overrides)), field)
        self.assertEqual(ServiceActivity.objects.count(), before)
        return body

    def test_a_date_in_the_future_is_refused_naming_the_date(self):
        body = self.refused("date", date="2999-01-01")
        self.assertIn("不能晚于今天", body["errors"]["date"][0])
        self.assertTrue(AuditEvent.objects.filter(event="ledger_refused").exists())

    def test_a_date_before_the_designation_year_is_refused(self):
        body = self.refused("date", date="2014-12-31")  # base A was designated in 2015
        self.assertIn("认定年份", body["errors"]["date"][0])

    def test_an_unknown_category_is_refused(self):
        self.refused("category", category="parties")

    def test_enterprises_served_out_of_range_is_refused(self):
        for value in (-1, 100_001, 10**30, 12.5, "12", True):
            with self.subTest(value=value):
                self.refused("enterprises_served", enterprises_served=value)
        self.assertEqual(self.call("alice", "post", ACTIVITIES, activity_body(
            enterprises_served=100_000)).status_code, 201)

    def test_another_bases_institution_is_refused_as_provider(self):
        body = self.refused("provider", provider=self.institution_b.pk)
        self.assertIn("不是本基地", body["errors"]["provider"][0])
        self.refused("provider", provider="someone")

    def test_an_external_id_of_another_activity_is_refused_on_patch(self):
        self.call("alice", "post", ACTIVITIES, activity_body(external_id="X-9"))
        response = self.call("alice", "patch", f"{ACTIVITIES}{self.activity.pk}/",
                             {"external_id": "X-9"})
        self.assertRefused(response, "external_id")

    def test_unknown_keys_and_missing_fields_are_named(self):
        body = self.refused("titel", titel="typo")
        self.assertEqual(body["errors"]["titel"], ["未知的字段"])
        response = self.call("alice", "post", ACTIVITIES, {"date": "2018-06-01"})
        self.assertRefused(response, "title")


class LockTests(RecordsApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.report = Report.objects.create(base=self.base_a, year=2018,
                                            status=Status.APPROVED)

    def test_an_approved_year_refuses_new_changed_and_deleted_activities(self):
        path = f"{ACTIVITIES}{self.activity.pk}/"
        for method, url, body in (("post", ACTIVITIES, activity_body()),
                                  ("patch", path, {"title": "改名"}),
                                  ("delete", path, None)):
            with self.subTest(method=method):
                response = self.call("plato", method, url, body)
                refused = self.assertRefused(response, "date")
                self.assertEqual(refused["code"], "locked")
                self.assertIn("已锁定", refused["errors"]["date"][0])
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.title, "创业培训班")
        self.assertEqual(ServiceActivity.objects.filter(base=self.base_a).count(), 1)
        # Another year stays open.
        self.assertEqual(self.call("plato", "post", ACTIVITIES,
                                   activity_body(date="2019-03-01")).status_code, 201)

    def test_a_reopened_report_unlocks_the_year(self):
        Report.objects.filter(pk=self.report.pk).update(status=Status.DRAFT)
        response = self.call("plato", "patch", f"{ACTIVITIES}{self.activity.pk}/",
                             {"title": "改名"})
        self.assertEqual(response.status_code, 200)

    def test_an_attachment_to_a_locked_activity_is_refused(self):
        response = self.upload("alice", f"{ACTIVITIES}{self.activity.pk}/attachments/",
                               small_pdf())
        self.assertEqual(self.assertRefused(response, "file")["code"], "locked")
        self.assertFalse(ActivityAttachment.objects.exists())


class AttachmentTests(RecordsApiTestCase):
    def path(self) -> str:
        return f"{ACTIVITIES}{self.activity.pk}/attachments/"

    def test_a_pdf_is_kept_privately_and_listed_with_the_activity(self):
        response = self.upload("plato", self.path(), small_pdf())
        self.assertEqual(response.status_code, 201, response.content)
        attachment = ActivityAttachment.objects.get()
        self.assertEqual(response.json()["name"], "签到表.pdf")
        self.assertEqual((attachment.content_type, attachment.uploaded_by),
                         ("application/pdf", self.plato))
        self.assertTrue(files.path_of(attachment.stored_name).is_file())
        listed = self.call("carol", "get", f"{ACTIVITIES}{self.activity.pk}/").json()
        self.assertEqual([a["id"] for a in listed["attachments"]], [attachment.pk])

    def test_the_type_is_read_from_the_content_not_the_name(self):
        response = self.upload("alice", self.path(), small_png(), name="photo.pdf")
        self.assertEqual(response.json()["content_type"], "image/png")

    def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(self):
        response = self.upload("alice", self.path(), windows_executable(), name="签到表.pdf")
        body = self.assertRefused(response, "file")
        self.assertIn("不是 PDF、JPEG 或 PNG", body["errors"]["file"][0])
        self.assertFalse(ActivityAttachment.objects.exists())
        self.assertEqual(list(self.private_dir.rglob("*.*")), [])
        self.assertTrue(AuditEvent.objects.filter(event="ledger_refused").exists())

    def test_an_oversized_file_is_refused(self):
        with mock.patch.object(files, "MAX_BYTES", 1000):
            response = self.upload("alice", self.path(), small_pdf() + b"0" * 1000)
        self.assertIn("超过", self.assertRefused(response, "file")["errors"]["file"][0])
        self.assertFalse(ActivityAttachment.objects.exists())

    def test_a_body_without_a_file_or_as_json_is_refused(self):
        self.assertRefused(self.call("alice", "post", self.path(), None), "file")
        response = self.call("alice", "post", self.path(), {"file": "x"})
        self.assertEqual(response.status_code, 415)


class InstitutionTests(RecordsApiTestCase):
    def test_an_institution_has_the_shape_of_spec_9(self):
        response = self.call("pat", "get", f"{INSTITUTIONS}{self.institution.pk}/")
        self.assertEqual(response.json(), {
            "id": self.institution.pk, "name": "长沙创业服务中心", "credit_code": "",
            "categories": ["training"], "since": "2017-03-01", "until": None,
            "external_id": ""})

    def test_create_resend_patch_and_delete(self):
        body = institution_body(external_id="I-1", credit_code=credit_code(77))
        first = self.call("plato", "post", INSTITUTIONS, body)
        self.assertEqual(first.status_code, 201, first.content)
        again = self.call("plato", "post", INSTITUTIONS, {**body, "name": "新名称"})
        self.assertEqual((again.status_code, again.json()["id"]), (200, first.json()["id"]))
        self.assertEqual(Institution.objects.filter(external_id="I-1").get().name, "新名称")
        path = f"{INSTITUTIONS}{first.json()['id']}/"
        patched = self.call("alice", "patch", path, {"until": "2018-12-31"})
        self.assertEqual(patched.json()["until"], "2018-12-31")
        self.assertEqual(self.call("alice", "delete", path).status_code, 204)
        self.assertFalse(Institution.objects.filter(external_id="I-1").exists())

    def test_the_year_filter_lists_those_cooperating_in_the_year(self):
        self.call("alice", "post", INSTITUTIONS, institution_body(since="2019-01-01"))
        names = [i["name"] for i in self.call("alice", "get", f"{INSTITUTIONS}?year=2018")
                 .json()["results"]]
        self.assertEqual(names, ["长沙创业服务中心"])

    def test_refusals_name_the_field(self):
        for field, overrides in (("credit_code", {"credit_code": "91350100M000100Y44"}),
                                 ("categories", {"categories": []}),
                                 ("categories", {"categories": ["parties"]}),
                                 ("since", {"since": "2999-01-01"}),
                                 ("until", {"until": "2016-01-01"})):
            with self.subTest(field=field):
                self.assertRefused(self.call("alice", "post", INSTITUTIONS,
                                             institution_body(**overrides)), field)
        self.assertEqual(Institution.objects.filter(base=self.base_a).count(), 1)

    def test_an_institution_named_by_an_activity_cannot_be_deleted(self):
        response = self.call("alice", "delete", f"{INSTITUTIONS}{self.institution.pk}/")
        self.assertEqual(response.status_code, 400)
        self.assertIn("不能删除", response.json()["detail"])
        self.assertTrue(Institution.objects.filter(pk=self.institution.pk).exists())
