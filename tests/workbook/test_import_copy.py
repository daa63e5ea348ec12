"""How the import writes its rows: COPY on PostgreSQL with psycopg2, batched INSERTs otherwise.

A PostgreSQL driver whose cursor has no copy_expert (psycopg 3) must still import everything,
and must say in the log that it fell back, never degrade silently.
"""

from __future__ import annotations

from reporting.filing import services
from reporting.models import Report, Status
from reporting.workbook.importer import import_data_workbook
from tests.drivers import postgresql_without_copy_expert
from tests.workbook.helpers import WorkbookTestCase, full_values


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
        with postgresql_without_copy_expert(), self.assertLogs("portal.bulk", "WARNING") as logs:
            result = import_data_workbook(file=self.path, actor=None)
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(result.reports_created, 1)
        # Once per import, naming the cause.
        self.assertEqual(len(logs.records), 1)
        self.assertIn("has no copy_expert", logs.output[0])
        self.assertIn("batched INSERTs", logs.output[0])
        self.assert_imported()
