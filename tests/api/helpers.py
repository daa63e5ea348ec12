"""Shared by the web API tests: the API's prefix, a valid set of figures and the TestCase
with the personas signed in over HTTP."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reporting import indicators
from reporting.filing import services
from reporting.models import Report
from tests.base import BaseTestCase, complete_values

API = "/api/v1"
PERSONAS = ("alice", "bob", "carol", "charlie", "pat", "sam", "audrey")


def api_values(**overrides: object) -> dict[str, Any]:
    """complete_values() as JSON types: decimals as strings, integers and booleans as such."""
    values: dict[str, Any] = {}
    for code, raw in complete_values(**overrides).items():
        indicator = indicators.BY_CODE[code]
        if raw in ("", "None"):
            values[code] = None
        elif indicator.is_bool:
            values[code] = raw == "true"
        elif indicator.kind == "int":
            values[code] = int(raw)
        else:
            values[code] = raw
    return values


class ApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tokens = {name: Token.objects.create(user=getattr(cls, name)).key
                      for name in PERSONAS}

    def setUp(self) -> None:
        cache.clear()  # throttle counters must not leak between tests

    def tearDown(self) -> None:
        cache.clear()

    def client_for(self, persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[persona]}")
        return client

    def call(self, persona: str | None, method: str, path: str, data: Any = None):
        client = self.client_for(persona)
        return getattr(client, method)(f"{API}{path}", data, format="json")

    def draft(self, base=None, year: int = 2018, **overrides: object) -> Report:
        """A draft with complete values, saved through the service."""
        base = base or self.base_a
        officer = self.alice if base == self.base_a else self.bob
        values = {code: indicators.BY_CODE[code].parse(raw)
                  for code, raw in complete_values(**overrides).items()}
        return services.save_draft(base=base, year=year, actor=officer,
                                   values={k: v for k, v in values.items() if v is not None},
                                   version=None)
