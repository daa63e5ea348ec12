"""portal.bulk writes plain rows: ids come back in the rows' order, JSON, dates, Decimals
and foreign keys arrive as given, updates touch only the rows named (SQLite here; the same
tests on PostgreSQL exercise the unnest statements)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from portal.bulk import insert_rows, update_rows
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
        # On PostgreSQL such a column goes once as a scalar; varying ones as arrays.
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
