"""Hostile requests get a clear 4xx, never a 500; API errors are JSON (issue 14, item 9).

Also: what browsers and proxies may keep (item 15: Cache-Control), and who may read the
schema and its Swagger UI.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client, override_settings
from django.urls import URLPattern
from rest_framework.test import APIClient

from bases.models import AuditEvent, City
from reporting.api import urls as api_urls
from reporting.models import Report
from tests.api.helpers import ApiTestCase, api_values
from tests.base import sign_in
from tests.crash_urls import CRASHED_CITY

API = "/api/v1"
DEEP = "[" * 2000 + "]" * 2000
JSON = "application/json"


def deep_object(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


class RoundOpenTestCase(ApiTestCase):
    """The 2018 round open for filing."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)


class HostileBodyTests(RoundOpenTestCase):
    def post_raw(self, body: str | bytes, path: str = "/reports/"):
        return self.client_for("alice").post(f"{API}{path}", body, content_type=JSON)

    def test_json_nested_2000_levels_deep_is_a_json_400_and_nothing_is_saved(self):
        for body in (DEEP, deep_object(2000),
                     '{"year": 2018, "values": {"building_area": ' + DEEP + "}}"):
            with self.subTest(body=body[:30]):
                response = self.post_raw(body)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response["Content-Type"], JSON)
                self.assertEqual(response.json(), {"detail": "JSON 嵌套层数过多：最多 32 层"})
        self.assertFalse(Report.objects.exists())

    def test_nesting_is_counted_outside_strings_only(self):
        response = self.client_for("alice").post(f"{API}/reports/", {
            "year": 2018, "values": api_values()}, format="json")
        self.assertEqual(response.status_code, 201)
        report = Report.objects.get()
        body = json.dumps({"comment": "[" * 100 + "{" * 100})
        response = self.client_for("pat").post(f"{API}/reports/{report.pk}/return/", body,
                                               content_type=JSON)
        self.assertEqual(response.status_code, 409)  # a draft cannot be returned: parsed fine
        self.assertEqual(self.post_raw(deep_object(33)).status_code, 400)
        self.assertNotEqual(self.post_raw(deep_object(32)).json(),
                            {"detail": "JSON 嵌套层数过多：最多 32 层"})

    def test_an_exponent_figure_is_a_field_error_and_nothing_is_saved(self):
        response = self.post_raw('{"year": 2018, "values": {"building_area": "9e999999999", '
                                 '"service_staff": 9e999999999}}')
        self.assertEqual(response.status_code, 400)
        errors = response.json()["values"]
        self.assertEqual(set(errors), {"building_area", "service_staff"})
        self.assertIn("科学计数法", errors["building_area"][0])
        self.assertFalse(Report.objects.exists())

    def test_a_body_over_a_megabyte_is_refused_unread(self):
        response = self.post_raw(json.dumps({"year": 2018, "comment": "x" * (1024 * 1024)}))
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response["Content-Type"], JSON)
        self.assertFalse(Report.objects.exists())


class NulInBaseCodeTests(ApiTestCase):
    """PostgreSQL refuses NUL in a query: the access helper must refuse it first."""

    def test_a_nul_byte_in_a_base_code_is_an_audited_404_on_every_page(self):
        sign_in(self.client, self.pat)
        for url in ("/bases/A001%00/", "/bases/A001%00/reports/2018/",
                    "/bases/A001%00/reports/2018/workbook.xlsx",
                    "/bases/A001%00/handover/", "/bases/%00/reports/2018/review/"):
            with self.subTest(url=url):
                method = self.client.post if url.endswith("review/") else self.client.get
                self.assertEqual(method(url).status_code, 404)
        self.assertEqual(self.call("pat", "get", "/bases/A001%00/").status_code, 404)
        denied = AuditEvent.objects.filter(event="scope_denied")
        self.assertEqual(denied.count(), 6)
        self.assertIn("base:A001", denied.values_list("object_repr", flat=True))
        self.assertFalse(any("\x00" in e.object_repr for e in denied))


def api_routes() -> list[tuple[str, list[str]]]:
    """Every route of reporting/api/urls.py as (route, its parameter names)."""
    routes = []
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        routes.append(("v1/nothing/here/" if route == "^" else route,
                       re.findall(r"<(?:\w+:)?(\w+)>", route)))
    return routes


def fill(route: str, value: str) -> str:
    return "/api/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


HOSTILE_PATH_VALUES = ("%00", "9" * 30)
HOSTILE_QUERY = ("?year=9e999999999&page=%00&top=NaN&city=%00&base=%00&preview=%00"
                 "&compare_year=-1&cohort_batch=99999999999999999999&format=%00")
HOSTILE_BODIES: tuple[str | bytes, ...] = (
    DEEP,
    '{"year": 9e999999999, "version": 1e400, "values": {"building_area": "9e999999999", '
    '"service_staff": 9e999999999, "ent_profit": "NaN"}}',
    '{"year": NaN, "reason": "\\u0000", "comment": "\\ud800", "explanations": []}',
    b"\xff\xfe{",
    "[1, 2]",
)
METHODS = ("get", "options", "delete", "post", "put", "patch")


class EveryEndpointTests(RoundOpenTestCase):
    def clients(self) -> dict[str, APIClient]:
        bad = APIClient()
        bad.credentials(HTTP_AUTHORIZATION="Token xyz")
        return {"anonymous": APIClient(), "bad token": bad,
                "alice": self.client_for("alice"), "pat": self.client_for("pat")}

    def assert_clean(self, response, label: str) -> None:
        self.assertLess(response.status_code, 500, label)
        documentation = re.match(r"/api/(schema|docs)/", response.request["PATH_INFO"])
        if response.status_code < 300 and documentation:
            return  # the schema (YAML) and its Swagger UI page themselves
        self.assertTrue(response["Content-Type"].startswith(JSON),
                        f"{label}: {response['Content-Type']}")

    @staticmethod
    def hostile_requests(method: str, persona: str) -> tuple[tuple[str, Any], ...]:
        """(query, body) pairs; callers without credentials are refused before either is
        read (whatever the method), and DRF refuses a PUT (no view has one) before reading
        its body."""
        if persona not in ("alice", "pat"):
            return (("", None),) if method in ("get", "post") else ()
        if method in ("post", "patch"):
            return tuple(("", body) for body in HOSTILE_BODIES)
        if method == "put":
            return (("", DEEP),)
        return (("", None), (HOSTILE_QUERY, None))

    def test_every_api_url_and_method_answers_hostile_input_in_json_and_never_500(self):
        report = self.draft()
        clients = self.clients()
        sent = 0
        for route, params in api_routes():
            values = [*HOSTILE_PATH_VALUES, str(report.pk) if "pk" in params else "A001"] \
                if params else [""]
            for value in values:
                url = fill(route, value)
                for method in METHODS:
                    for persona, client in clients.items():
                        for query, body in self.hostile_requests(method, persona):
                            label = f"{persona} {method.upper()} {url}{query} {str(body)[:40]}"
                            response = getattr(client, method)(url + query, body,
                                                               content_type=JSON)
                            self.assert_clean(response, label)
                            sent += 1
        self.assertGreater(sent, 1000)
        self.assertEqual(Report.objects.get().version, report.version)  # nothing changed

    def test_options_answers_every_endpoint_for_every_caller(self):
        report = self.draft()
        for route, params in api_routes():
            url = fill(route, str(report.pk) if "pk" in params else "A001")
            for persona, client in self.clients().items():
                response = client.options(url)
                with self.subTest(url=url, persona=persona):
                    self.assertIn(response.status_code, (200, 401, 404, 429))
                    self.assertTrue(response["Content-Type"].startswith(JSON))
        response = self.client_for("alice").options(f"{API}/reports/{report.pk}/submit/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["parses"], [JSON])

    def test_a_session_post_without_csrf_to_an_unknown_api_path_is_json(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post("/api/nothing/", "{}", content_type=JSON)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"detail": "CSRF 校验失败，请刷新页面后重试"})


@override_settings(ROOT_URLCONF="tests.crash_urls")
class CrashTests(ApiTestCase):
    def test_a_crash_under_the_api_is_a_json_500(self):
        response = self.client_for("alice").get(f"{API}/crash/")
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response["Content-Type"], JSON)
        self.assertEqual(response.json(), {"detail": "服务器内部错误"})
        self.assertFalse(City.objects.filter(name=CRASHED_CITY).exists())

    def test_a_crash_on_a_page_is_the_chinese_error_page(self):
        response = Client(raise_request_exception=False).get("/crash/")
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "服务器暂时无法处理请求", status_code=500)


class NoStoreTests(ApiTestCase):
    """Pages and files of report data are never kept by a browser or a proxy."""

    def assert_no_store(self, client, url: str, status: int = 200) -> None:
        response = client.get(url)
        with self.subTest(url=url):
            self.assertEqual(response.status_code, status)
            self.assertIn("no-store", response["Cache-Control"])

    def test_report_review_statistics_export_and_api_answers_are_no_store(self):
        self.open_round(2018)
        report = self.draft()
        alice, pat = Client(), Client()
        sign_in(alice, self.alice)
        sign_in(pat, self.pat)
        self.assert_no_store(alice, "/bases/A001/reports/2018/")
        self.assert_no_store(alice, "/bases/A001/reports/2018/workbook.xlsx")
        for url in ("/bases/A001/reports/2018/", "/reports/", "/statistics/",
                    "/statistics/rankings/", "/statistics/cities/", "/statistics/annexes.xlsx",
                    "/statistics/charts.json", "/rounds/2018/completeness.xlsx",
                    "/data/export/?year=2018", "/audit/"):
            self.assert_no_store(pat, url, 404 if url == "/audit/" else 200)
        api = self.client_for("carol")
        for url in (f"{API}/reports/", f"{API}/reports/{report.pk}/", f"{API}/bases/A001/",
                    f"{API}/statistics/annexes/?year=2018"):
            self.assert_no_store(api, url)
        self.assert_no_store(api, f"{API}/reports/99999/", 404)


class SchemaAccessTests(ApiTestCase):
    def test_schema_and_docs_answer_anonymous_callers_401_in_json(self):
        for url in ("/api/schema/", "/api/schema/?format=json", "/api/docs/",
                    "/api/docs/?script="):
            response = APIClient().get(url)
            with self.subTest(url=url):
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response["Content-Type"], JSON)
                self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_schema_and_docs_answer_a_token_and_a_session(self):
        session = Client()
        sign_in(session, self.carol)
        for client in (self.client_for("alice"), session):
            self.assertEqual(client.get("/api/schema/").status_code, 200)
            docs = client.get("/api/docs/")
            self.assertEqual(docs.status_code, 200)
            self.assertContains(docs, "swagger-ui-bundle.js")
