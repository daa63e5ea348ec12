"""portal.bulk writes plain rows: ids come back in the rows' order, JSON, dates, Decimals
and foreign keys arrive as given, updates touch only the rows named (SQLite here; the same
tests on PostgreSQL exercise the unnest statements)."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from portal.bulk import JSONText, copy_rows, copy_update_rows, insert_rows, update_rows
from tests.drivers import postgresql_without_copy_expert
from tests.roster.helpers import RosterTestCase, credit_code


class BulkRowsTests(RosterTestCase):
    def test_insert_returns_ids_in_order_and_update_changes_only_named_rows(self):
        now = timezone.now()
        ids = insert_rows(Enterprise, ("base_id", "name", "credit_code", "moved_in",
                                       "created_at", "updated_at"),
                          [(self.base_a.pk, f"企业{n}", credit_code(100 + n),
                            dt.date(2016, 1, n), now, now) for n in range(1, 6)])
        self.assertEqual([Enterprise.objects.get(pk=pk).name for pk in ids],
                         [f"企业{n}" for n in range(1, 6)])
        figures = ("employees", "ent_total_assets", "ent_revenue", "ent_profit", "ent_tax",
                   "trademarks", "software_copyrights", "invention_patents",
                   "utility_model_patents", "design_patents")
        [year_id] = insert_rows(EnterpriseYear, ("enterprise_id", "year", *figures,
                                                 "updated_at"),
                                [(ids[0], 2018, 5, Decimal("1.25"), Decimal("0"),
                                  Decimal("-3.10"), Decimal("0"), 0, 0, 0, 0, 0, now)])
        update_rows(Enterprise, ("name", "moved_out"), [(ids[1], "改名", dt.date(2019, 1, 1))])
        self.assertEqual(Enterprise.objects.get(pk=ids[1]).moved_out, dt.date(2019, 1, 1))
        self.assertEqual(Enterprise.objects.get(pk=ids[2]).name, "企业3")
        self.assertEqual(EnterpriseYear.objects.get(pk=year_id).ent_profit, Decimal("-3.10"))
        insert_rows(RosterChange, ("base_id", "enterprise_id", "action", "at", "before",
                                   "after"),
                    [(self.base_a.pk, ids[0], "create", now, None, {"name": "企业1", "n": 1})])
        change = RosterChange.objects.get(enterprise_id=ids[0])
        self.assertEqual((change.before, change.after), (None, {"name": "企业1", "n": 1}))

    def test_nothing_to_write_is_no_query(self):
        with self.assertNumQueries(0):
            self.assertEqual(insert_rows(Enterprise, ("name",), []), [])
            update_rows(Enterprise, ("name",), [])

    def test_columns_the_same_for_every_row_arrive_as_given(self):
        # On PostgreSQL such a column is formatted once for the whole array literal.
        now = timezone.now()
        [enterprise] = insert_rows(Enterprise, ("base_id", "name", "credit_code", "moved_in",
                                                "created_at", "updated_at"),
                                   [(self.base_a.pk, "企业", credit_code(200),
                                     dt.date(2016, 1, 1), now, now)])
        after = {"name": "企业", "n": 1}
        rows = [(self.base_a.pk, enterprise, None, "create", now, None, after),
                (self.base_a.pk, enterprise, None, "create", now, None, after),
                (self.base_a.pk, enterprise, None, "update", now, {"n": 1}, {"n": 1.5})]
        ids = insert_rows(RosterChange, ("base_id", "enterprise_id", "year", "action", "at",
                                         "before", "after"), rows)
        changes = [RosterChange.objects.get(pk=pk) for pk in ids]
        self.assertEqual([(c.enterprise_id, c.year, c.action, c.before, c.after)
                          for c in changes],
                         [(enterprise, None, action, before, after)
                          for _, _, _, action, _, before, after in rows])

    def test_texts_with_quotes_backslashes_braces_and_nulls_arrive_as_given(self):
        # On PostgreSQL each column travels as one array literal: its quoting must not
        # change a value (quotes, backslashes, braces, commas, the word NULL, blanks).
        now = timezone.now()
        names = ['双引号"内"', "反斜杠\\n\\", "{花括号,逗号}", "NULL", " 前后空格 ", "单引号'",
                 '\\"', "企业"]
        ids = insert_rows(Enterprise, ("base_id", "name", "credit_code", "moved_in",
                                       "moved_out", "contact", "small_micro", "created_by_id",
                                       "created_at", "updated_at"),
                          [(self.base_a.pk, name, credit_code(200 + n), dt.date(2016, 1, 1),
                            dt.date(2017, 1, 1) if n % 2 else None, "" if n % 3 else name,
                            n % 2 == 0, None, now, now) for n, name in enumerate(names)])
        stored = {enterprise.pk: enterprise for enterprise in Enterprise.objects.filter(pk__in=ids)}
        self.assertEqual([stored[pk].name for pk in ids], names)
        self.assertEqual([stored[pk].moved_out for pk in ids],
                         [dt.date(2017, 1, 1) if n % 2 else None for n in range(len(names))])
        self.assertEqual([stored[pk].contact for pk in ids],
                         ["" if n % 3 else name for n, name in enumerate(names)])
        self.assertEqual([stored[pk].small_micro for pk in ids],
                         [n % 2 == 0 for n in range(len(names))])
        if connection.vendor == "postgresql":  # bulk_create (SQLite) sets auto_now itself
            self.assertEqual({stored[pk].created_at for pk in ids}, {now})
        after = {"名称": names, "引号": '"', "反斜杠": "\\", "空": None, "数": 1.5}
        insert_rows(RosterChange, ("base_id", "enterprise_id", "action", "at", "before",
                                   "after"),
                    [(self.base_a.pk, ids[0], "update", now, None, after),
                     (self.base_a.pk, ids[1], "update", now, {"旧": "\\\""}, {})])
        changes = {change.enterprise_id: change for change in RosterChange.objects.filter(
            enterprise_id__in=ids[:2])}
        self.assertEqual((changes[ids[0]].before, changes[ids[0]].after),
                         (None, after))
        self.assertEqual((changes[ids[1]].before, changes[ids[1]].after), ({"旧": "\\\""}, {}))
        update_rows(Enterprise, ("name", "moved_out"),
                    [(ids[2], '改"名\\', None), (ids[3], "", dt.date(2020, 2, 29))])
        self.assertEqual(Enterprise.objects.get(pk=ids[2]).name, '改"名\\')
        self.assertIsNone(Enterprise.objects.get(pk=ids[2]).moved_out)
        self.assertEqual(Enterprise.objects.get(pk=ids[3]).moved_out, dt.date(2020, 2, 29))


class CopyRowsTests(RosterTestCase):
    """copy_rows and copy_update_rows (COPY on PostgreSQL; insert_rows and update_rows
    elsewhere) write what they are given, text that COPY must escape included."""

    def test_copy_writes_the_values_as_given(self):
        self.assert_copy_round_trip()

    def test_postgresql_driver_without_copy_expert_writes_the_same_rows_and_warns(self):
        with postgresql_without_copy_expert(), self.assertLogs("portal.bulk", "WARNING") as logs:
            self.assert_copy_round_trip()
        # copy_rows twice, copy_update_rows twice: each call says why it is slow.
        self.assertEqual(len(logs.records), 4)
        for message in logs.output:
            self.assertIn("has no copy_expert", message)

    def assert_copy_round_trip(self) -> None:
        now = timezone.now()
        awkward = "甲\t乙\\丙\n丁\r\\N"
        ids = copy_rows(Enterprise, ("base_id", "name", "credit_code", "moved_in",
                                     "moved_out", "high_tech", "contact", "created_at",
                                     "updated_at"),
                        [(self.base_a.pk, awkward, credit_code(201), dt.date(2016, 1, 2), None,
                          True, "", now, now),
                         (self.base_a.pk, "\\N", credit_code(202), dt.date(2016, 1, 3),
                          dt.date(2020, 5, 6), False, "李四", now, now)])
        first, second = (Enterprise.objects.get(pk=pk) for pk in ids)
        self.assertEqual((first.name, first.moved_out, first.high_tech, first.contact),
                         (awkward, None, True, ""))
        self.assertEqual((second.name, second.moved_out, second.industry),
                         ("\\N", dt.date(2020, 5, 6), ""))
        self.assertEqual(copy_rows(RosterChange, ("base_id", "enterprise_id", "action", "at",
                                                  "before", "after"),
                                   [(self.base_a.pk, ids[0], "create", now, None,
                                     {"name": awkward}),
                                    (self.base_a.pk, ids[1], "update", now,
                                     JSONText('{"name": "\\\\N\\t"}'), JSONText('{"n": 1}'))],
                                   returning=False), [])
        changes = RosterChange.objects.filter(enterprise_id__in=ids).order_by("id")
        self.assertEqual([(c.before, c.after) for c in changes],
                         [(None, {"name": awkward}), ({"name": "\\N\t"}, {"n": 1})])
        copy_update_rows(Enterprise, ("name", "moved_out"),
                         [(ids[0], "改\t名", dt.date(2019, 1, 1))])
        self.assertEqual(Enterprise.objects.values_list("name", "moved_out").get(pk=ids[0]),
                         ("改\t名", dt.date(2019, 1, 1)))
        self.assertEqual(Enterprise.objects.get(pk=ids[1]).name, "\\N")
        year_id = EnterpriseYear.objects.create(
            enterprise_id=ids[0], year=2018, employees=1, ent_total_assets=0, ent_revenue=0,
            ent_profit=0, ent_tax=0, trademarks=0, software_copyrights=0,
            invention_patents=0, utility_model_patents=0, design_patents=0).pk
        copy_update_rows(EnterpriseYear, ("ent_profit", "employees"),
                         [(year_id, Decimal("-3.10"), 7)])
        self.assertEqual(EnterpriseYear.objects.values_list("ent_profit", "employees")
                         .get(pk=year_id), (Decimal("-3.10"), 7))

    def test_nothing_to_copy_is_no_query(self):
        with self.assertNumQueries(0):
            self.assertEqual(copy_rows(Enterprise, ("name",), []), [])
            copy_update_rows(Enterprise, ("name",), [])
