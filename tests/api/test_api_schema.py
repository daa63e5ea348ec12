"""The published OpenAPI schema against the running API (schemathesis, in-process over WSGI).

As an officer and as the province admin (token auth), every operation gets generated valid and
invalid requests. Checks: no server error, every response matches the documented schema of its
status code, and invalid data is refused (negative data rejection).

Every generated request runs inside a savepoint that is rolled back, so each one sees the same
data: one round, two drafts, last year's approved report. Report and base operations run once
with generated ids and once with an id in the caller's scope, to reach past the 404.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from reporting import indicators
from reporting.filing import services
from reporting.models import Report, ReportValue, Status
from tests.base import BaseTestCase, complete_values

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


@contextlib.contextmanager
def in_process_requests() -> Iterator[None]:
    """Serve WSGI requests inside the test's transaction, as Django's test client does:
    the handler must not close the connection between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@override_settings(
    # No throttling (a dummy cache forgets every request) and the host schemathesis uses.
    CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
    ALLOWED_HOSTS=["localhost", "testserver"],
    SECURE_SSL_REDIRECT=False,
)
class SchemaConformanceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.open_round(2018)
        previous = Report.objects.create(base=cls.base_a, year=2017, status=Status.APPROVED)
        ReportValue.objects.bulk_create(
            ReportValue(report=previous, code=code, value=indicators.BY_CODE[code].to_storage(
                indicators.BY_CODE[code].parse(raw)))
            for code, raw in complete_values().items())
        cls.report_a = cls.save(cls.base_a, cls.alice)
        cls.report_b = cls.save(cls.base_b, cls.bob)
        cls.tokens = {user.username: Token.objects.create(user=user).key
                      for user in (cls.alice, cls.pat)}

    @classmethod
    def save(cls, base, officer) -> Report:
        values = {code: indicators.BY_CODE[code].parse(raw)
                  for code, raw in complete_values().items()}
        return services.save_draft(base=base, year=2018, actor=officer, values=values,
                                   version=None)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        with in_process_requests():
            cls.schema = schemathesis.openapi.from_wsgi(
                "/api/schema/?format=json", get_wsgi_application(),
                headers={"Authorization": f"Token {cls.tokens['alice']}"})
        cls.schema.config.generation.update(with_security_parameters=False)

    def operations(self):
        for result in self.schema.get_all_operations():
            yield result.ok()

    def fuzz(self, persona: str) -> int:
        headers = {"Authorization": f"Token {self.tokens[persona]}"}
        fixed = {"id": self.report_a.pk, "code": "A001", "year": 2018}
        runs = 0
        with in_process_requests():
            for operation in self.operations():
                names = {p.name for p in operation.path_parameters}
                variants = [{}] + ([{n: fixed[n] for n in names}] if names else [])
                for path_parameters in variants:
                    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                        label = f"{persona} {mode.value} {operation.label} {path_parameters}"
                        with self.subTest(label):
                            self.run_operation(operation, mode, headers, path_parameters)
                            runs += 1
        return runs

    def run_operation(self, operation, mode, headers, path_parameters) -> None:
        strategy = operation.as_strategy(generation_mode=mode, headers=headers,
                                         path_parameters=path_parameters or None)

        @given(case=strategy)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            cache.clear()
            savepoint = transaction.savepoint()
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.savepoint_rollback(savepoint)

        try:
            check()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters and no body): nothing to test.
            if mode != GenerationMode.NEGATIVE:
                raise

    def test_officer(self):
        self.assertGreater(self.fuzz("alice"), 30)

    def test_province_admin(self):
        self.assertGreater(self.fuzz("pat"), 30)


class SchemaGenerationTests(BaseTestCase):
    def test_spectacular_command_writes_the_schema_without_warnings(self):
        out = io.StringIO()
        call_command("spectacular", "--fail-on-warn", "--validate", stdout=out,
                     stderr=io.StringIO())
        schema = out.getvalue()
        for path in ("/api/v1/indicators/", "/api/v1/bases/{code}/", "/api/v1/rounds/",
                     "/api/v1/reports/", "/api/v1/reports/{id}/", "/api/v1/reports/{id}/submit/",
                     "/api/v1/reports/{id}/return/", "/api/v1/reports/{id}/approve/",
                     "/api/v1/reports/{id}/reopen/", "/api/v1/reports/{id}/history/",
                     "/api/v1/statistics/annexes/", "/api/v1/statistics/rankings/",
                     "/api/v1/completeness/"):
            self.assertIn(f"{path}:", schema)
        for component in ("EnteredValuesRequest:", "ReportValues:", "Conflict:", "SubmitError:",
                          "ReportWriteError:", "Finding:", "Annexes:"):
            self.assertIn(component, schema)
        # Every catalog figure is in the values schemas, derived ones in the response only.
        for indicator in indicators.CATALOG:
            self.assertIn(f"        {indicator.code}:", schema)
