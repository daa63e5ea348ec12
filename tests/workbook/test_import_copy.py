"""How the import writes its rows: COPY on PostgreSQL with psycopg2, batched INSERTs otherwise.

A PostgreSQL driver whose cursor has no copy_expert (psycopg 3) must still import everything,
and must say in the log that it fell back, never degrade silently.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from django.db import DEFAULT_DB_ALIAS, connections

from reporting.filing import services
from reporting.models import Report, Status
from reporting.workbook.importer import import_data_workbook
from tests.workbook.helpers import WorkbookTestCase, full_values


class _WithoutCopyExpert:
    """A DB-API cursor that is the real one in every respect but copy_expert."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        if name == "copy_expert":
            raise AttributeError(name)
        return getattr(self._cursor, name)

    def __iter__(self) -> Any:
        return iter(self._cursor)


class CopyFallbackTests(WorkbookTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.values = full_values()
        self.make_report(self.base_a, 2017, self.values)
        self.path = self.export(2017)
        Report.objects.all().delete()

    def assert_imported(self) -> None:
        report = Report.objects.get(base=self.base_a, year=2017)
        self.assertEqual(report.status, Status.APPROVED)
        self.assertEqual(report.value_map(),
                         {code: value for code, value in self.values.items() if value is not None})
        transition = report.transitions.get()
        self.assertEqual(transition.snapshot, services.snapshot(self.values))
        self.assertEqual((transition.field_comments, transition.explanations), ({}, {}))

    def test_import_stores_values_and_the_transition_json_fields(self):
        # On PostgreSQL this is the COPY path: the JSON columns come back as what was written.
        result = import_data_workbook(file=self.path, actor=None)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(result.reports_created, 1)
        self.assert_imported()

    def test_postgresql_driver_without_copy_expert_imports_with_inserts_and_warns(self):
        database = connections[DEFAULT_DB_ALIAS]
        create_cursor = database.create_cursor
        # The vendor is PostgreSQL's (already so on PostgreSQL), the cursor lacks copy_expert.
        with (patch.object(database, "vendor", "postgresql"),
              patch.object(database, "create_cursor",
                           lambda name=None: _WithoutCopyExpert(create_cursor(name))),
              self.assertLogs("reporting.workbook.importer", "WARNING") as logs):
            result = import_data_workbook(file=self.path, actor=None)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(result.reports_created, 1)
        # Once for the values and once for the transitions, each naming the cause.
        self.assertEqual(len(logs.records), 2)
        for message in logs.output:
            self.assertIn("has no copy_expert", message)
            self.assertIn("batched INSERTs", message)
        self.assert_imported()
