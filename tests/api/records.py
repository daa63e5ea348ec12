"""Shared by the API tests of a base's records (ledger, roster, platform accounts).

Besides the suite's personas: plato, the platform account (平台对接) of base A, and platb,
the one of base B, each with a token. Base A has one institution, one 2018 activity and one
enterprise; base B one institution, one activity and one enterprise. Evidence files go to a
private folder of the test class's own.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.authtoken.models import Token

from bases.ledger import services as ledger
from bases.models import Role
from bases.roster.models import Enterprise
from tests.api.helpers import API, ApiTestCase
from tests.roster.helpers import credit_code

#: Every persona a record endpoint of base A is tried with.
ALL = ("alice", "bob", "carol", "charlie", "pat", "plato", "platb", "sam", "audrey")
#: Those who read base A's records; those who also write them.
READERS_A = {"alice", "carol", "pat", "plato"}
WRITERS_A = {"alice", "plato"}


def activity_body(**overrides: Any) -> dict[str, Any]:
    body = {"date": "2018-06-01", "category": "coaching", "title": "创业辅导沙龙",
            "provider": "self", "enterprises_served": 12, "note": "", "external_id": ""}
    body.update(overrides)
    return body


def institution_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": "湘江投融资服务中心", "credit_code": "", "categories": ["financing"],
            "since": "2017-01-01", "until": None, "external_id": ""}
    body.update(overrides)
    return body


def enterprise_body(n: int = 50, **overrides: Any) -> dict[str, Any]:
    body = {"name": f"测试企业{n}", "credit_code": credit_code(n), "moved_in": "2016-05-01",
            "moved_out": None, "small_micro": True, "high_tech": False, "industry": "C"}
    body.update(overrides)
    return body


def year_body(**overrides: Any) -> dict[str, Any]:
    body = {"employees": 25, "ent_total_assets": "1200.50", "ent_revenue": "800.00",
            "ent_profit": "-12.34", "ent_tax": "30.01", "trademarks": 2,
            "software_copyrights": 3, "invention_patents": 1, "utility_model_patents": 4,
            "design_patents": 0}
    body.update(overrides)
    return body


class RecordsApiTestCase(ApiTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.private_dir = Path(tempfile.mkdtemp(prefix="records-api-test-"))
        cls._private = override_settings(PRIVATE_MEDIA_DIR=cls.private_dir)
        cls._private.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._private.disable()
        shutil.rmtree(cls.private_dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.plato = cls.make_user("plato", Role.PLATFORM, base=cls.base_a)
        cls.platb = cls.make_user("platb", Role.PLATFORM, base=cls.base_b)
        for name in ("plato", "platb"):
            cls.tokens[name] = Token.objects.create(user=getattr(cls, name)).key
        cls.institution = cls.make_institution(cls.base_a, cls.alice, "长沙创业服务中心")
        cls.institution_b = cls.make_institution(cls.base_b, cls.bob, "株洲服务中心")
        cls.activity = cls.make_activity(cls.base_a, cls.alice, cls.institution)
        cls.activity_b = cls.make_activity(cls.base_b, cls.bob, cls.institution_b)
        cls.enterprise = Enterprise.objects.create(
            base=cls.base_a, name="湘江智造科技有限公司", credit_code=credit_code(1),
            moved_in=dt.date(2016, 3, 1), contact="张三 0731-1234")
        cls.enterprise_b = Enterprise.objects.create(
            base=cls.base_b, name="株洲动力有限公司", credit_code=credit_code(2),
            moved_in=dt.date(2017, 3, 1))

    @staticmethod
    def make_institution(base, officer, name: str):
        return ledger.create_institution(base=base, actor=officer, data=ledger.InstitutionInput(
            name=name, categories=("training",), since=dt.date(2017, 3, 1)))

    @staticmethod
    def make_activity(base, officer, institution):
        return ledger.create_activity(base=base, actor=officer, data=ledger.ActivityInput(
            date=dt.date(2018, 5, 10), category="training", title="创业培训班",
            provider_id=institution.pk, enterprises_served=30))

    def upload(self, persona: str, path: str, content: bytes, name: str = "签到表.pdf"):
        client = self.client_for(persona)
        return client.post(f"{API}{path}", {"file": SimpleUploadedFile(name, content)},
                           format="multipart")

    def assertRefused(self, response, field: str) -> dict[str, Any]:  # noqa: N802
        """A 400 naming `field`; the body."""
        self.assertEqual(response.status_code, 400, response.content[:500])
        body = response.json()
        self.assertIn(field, body["errors"], body)
        return body
