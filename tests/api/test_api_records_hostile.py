"""Hostile requests to a base's record endpoints get a clear 4xx naming the field, never a
500, and save nothing; the OpenAPI schema documents the endpoints."""

from __future__ import annotations

import json

from bases.ledger.models import Institution, ServiceActivity
from bases.roster.models import Enterprise, EnterpriseYear
from tests.api.records import RecordsApiTestCase, activity_body, enterprise_body
from tests.api.test_api_hardening import DEEP, deep_object

API = "/api/v1"
JSON = "application/json"
ACTIVITIES = "/bases/A001/activities/"


class HostileBodyTests(RecordsApiTestCase):
    def raw(self, path: str, body: str, method: str = "post", persona: str = "plato"):
        return getattr(self.client_for(persona), method)(f"{API}{path}", body,
                                                         content_type=JSON)

    def test_an_exponent_number_is_a_field_error(self):
        response = self.raw(ACTIVITIES, '{"date": "2018-06-01", "category": "info", '
                                        '"title": "x", "enterprises_served": 9e999999999}')
        self.assertRefused(response, "enterprises_served")
        path = f"/bases/A001/enterprises/{self.enterprise.pk}/years/2018/"
        response = self.raw(path, '{"employees": 9e999999999, "ent_revenue": "9e999999999"}',
                            method="put")
        body = self.assertRefused(response, "employees")
        self.assertIn("科学计数法", body["errors"]["ent_revenue"][0])
        self.assertFalse(EnterpriseYear.objects.exists())
        self.assertEqual(ServiceActivity.objects.filter(base=self.base_a).count(), 1)

    def test_nul_bytes_in_the_body_or_the_path_are_refused(self):
        self.assertRefused(self.call("plato", "post", ACTIVITIES,
                                     activity_body(title="培训\x00班")), "title")
        self.assertRefused(self.call("plato", "post", "/bases/A001/enterprises/",
                                     enterprise_body(name="企业\x00")), "name")
        self.assertRefused(self.call("plato", "post", "/bases/A001/institutions/", {
            "name": "机构", "categories": ["info"], "since": "2018-01-01",
            "external_id": "\x00"}), "external_id")
        for method, path in (("get", "/bases/A001%00/activities/"),
                             ("get", f"{ACTIVITIES}1%00/"),
                             ("put", f"/bases/A001/enterprises/{self.enterprise.pk}/years/"
                                     "2018%00/")):
            with self.subTest(path=path):
                self.assertEqual(self.call("plato", method, path, {}).status_code, 404)
        self.assertEqual(ServiceActivity.objects.filter(base=self.base_a).count(), 1)

    def test_deeply_nested_json_is_a_400(self):
        for body in (DEEP, deep_object(2000), '{"categories": ' + DEEP + "}"):
            with self.subTest(body=body[:20]):
                response = self.raw("/bases/A001/institutions/", body)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["detail"], "JSON 嵌套层数过多：最多 32 层")
        self.assertEqual(Institution.objects.filter(base=self.base_a).count(), 1)

    def test_a_body_that_is_not_an_object_names_the_problem(self):
        for body in ("[]", '"text"', "null", "12"):
            with self.subTest(body=body):
                response = self.raw(ACTIVITIES, body)
                self.assertEqual(response.status_code, 400)
                self.assertIn("errors", response.json())

    def test_a_formula_in_a_name_is_kept_as_plain_text(self):
        formula = '=HYPERLINK("http://evil.example","点击")'
        response = self.call("plato", "post", ACTIVITIES, activity_body(title=formula))
        self.assertEqual(response.status_code, 201)
        self.assertEqual(ServiceActivity.objects.get(pk=response.json()["id"]).title, formula)
        response = self.call("plato", "post", "/bases/A001/enterprises/",
                             enterprise_body(name="+cmd|' /C calc'!A0"))
        self.assertEqual(response.json()["name"], "+cmd|' /C calc'!A0")
        self.assertTrue(Enterprise.objects.filter(name__startswith="+cmd").exists())

    def test_wrong_types_are_named(self):
        response = self.raw(ACTIVITIES, json.dumps(activity_body(
            date=20180601, title=12, provider=True, note=["x"])))
        body = self.assertRefused(response, "date")
        self.assertEqual(set(body["errors"]) & {"title", "provider", "note"},
                         {"title", "provider", "note"})

    def test_options_answers_json_in_scope_and_404_outside(self):
        paths = (ACTIVITIES, f"{ACTIVITIES}{self.activity.pk}/",
                 f"{ACTIVITIES}{self.activity.pk}/attachments/", "/bases/A001/institutions/",
                 "/bases/A001/enterprises/", f"/bases/A001/enterprises/{self.enterprise.pk}/")
        for path in paths:
            with self.subTest(path=path):
                response = self.client_for("plato").options(f"{API}{path}")
                self.assertEqual(response.status_code, 200)
                self.assertIn("renders", response.json())
                self.assertEqual(self.client_for("platb").options(f"{API}{path}").status_code,
                                 404)

    def test_an_unsupported_method_in_scope_is_405_and_outside_404(self):
        self.assertEqual(self.call("plato", "put", ACTIVITIES, {}).status_code, 405)
        self.assertEqual(self.call("platb", "put", ACTIVITIES, {}).status_code, 404)


class SchemaTests(RecordsApiTestCase):
    def test_the_schema_lists_the_record_endpoints(self):
        response = self.client_for("alice").get("/api/schema/?format=json")
        self.assertEqual(response.status_code, 200)
        paths = json.loads(response.content)["paths"]
        for path, methods in {
            "/api/v1/bases/{code}/activities/": {"get", "post"},
            "/api/v1/bases/{code}/activities/{id}/": {"get", "patch", "delete"},
            "/api/v1/bases/{code}/activities/{id}/attachments/": {"post"},
            "/api/v1/bases/{code}/institutions/": {"get", "post"},
            "/api/v1/bases/{code}/institutions/{id}/": {"get", "patch", "delete"},
            "/api/v1/bases/{code}/enterprises/": {"get", "post"},
            "/api/v1/bases/{code}/enterprises/{id}/": {"get", "patch"},
            "/api/v1/bases/{code}/enterprises/{id}/years/{year}/": {"put"},
            "/api/v1/enterprises/duplicates/": {"get"},
        }.items():
            with self.subTest(path=path):
                self.assertIn(path, paths)
                self.assertTrue(methods <= set(paths[path]), set(paths[path]))
        upload = paths["/api/v1/bases/{code}/activities/{id}/attachments/"]["post"]
        self.assertIn("multipart/form-data", upload["requestBody"]["content"])
