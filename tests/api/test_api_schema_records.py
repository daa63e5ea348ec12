"""The ledger and roster endpoints against their published schema (schemathesis), reaching
past the 404: the sample id is an activity, an institution and an enterprise of base A.
A writer (the officer; the platform account goes through the same views) and a reader (the
province admin, whose writes are 403) each get generated valid and invalid requests: never a
500, always the documented shape."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile

from django.test import override_settings

from bases.ledger.models import Institution, ServiceActivity
from bases.roster.models import Enterprise
from tests.api import test_api_schema

RECORD_PATHS = ("/api/v1/bases/{code}/activities", "/api/v1/bases/{code}/institutions",
                "/api/v1/bases/{code}/enterprises", "/api/v1/enterprises/")
PRIVATE_DIR = tempfile.mkdtemp(prefix="records-schema-test-")


@override_settings(PRIVATE_MEDIA_DIR=PRIVATE_DIR)
class RecordSchemaConformanceTests(test_api_schema.SchemaConformanceTests):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        pk = cls.report_a.pk
        Institution.objects.create(pk=pk, base=cls.base_a, name="样例机构",
                                   categories=["info"], since=dt.date(2016, 1, 1))
        ServiceActivity.objects.create(pk=pk, base=cls.base_a, date=dt.date(2018, 5, 10),
                                       category="info", title="样例活动", enterprises_served=3)
        Enterprise.objects.create(pk=pk, base=cls.base_a, name="样例企业",
                                  credit_code="91350100M000100Y43", moved_in=dt.date(2016, 1, 1))

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(PRIVATE_DIR, ignore_errors=True)

    def operations(self):
        for operation in super().operations():
            if operation.path.startswith(RECORD_PATHS):
                yield operation

    def test_officer(self):
        self.assertGreater(self.fuzz("alice"), 20)

    def test_province_admin(self):
        self.assertGreater(self.fuzz("pat"), 20)
