"""The annexes' data note on 重复入驻: the number of enterprises resident in two or more
bases on a common day of the year, from the roster (a function for the annex workbook)."""

import datetime as dt

from reporting.statistics.roster import duplicate_enterprises, duplicates_note
from tests.roster.helpers import RosterTestCase


class DuplicatesNoteTests(RosterTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # ent_a (n=1, base A since 2016) also in base B from mid-2018: one duplicate in 2018.
        cls.make_enterprise(cls.base_b, 1, "湘江智造（株洲）", moved_in=dt.date(2018, 7, 1))
        # n=3: a move from A to B on 2018-03-01 (no common day): not a duplicate.
        cls.make_enterprise(cls.base_a, 3, moved_in=dt.date(2015, 1, 1),
                            moved_out=dt.date(2018, 3, 1))
        cls.make_enterprise(cls.base_b, 3, moved_in=dt.date(2018, 3, 1))

    def test_count_is_the_duplicated_enterprises_of_the_year_in_one_roster_query(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(duplicate_enterprises(2018), 1)
        self.assertEqual(len([q for q in queries.captured_queries
                              if "bases_enterprise" in q["sql"]]), 1)
        self.assertEqual(duplicate_enterprises(2017), 0)

    def test_note_says_the_count_and_is_empty_without_duplicates(self):
        self.assertIn("2018年有1家企业同期在两个及以上基地登记入驻（重复入驻）",
                      duplicates_note(2018))
        self.assertEqual(duplicates_note(2017), "")

    def test_the_statistics_page_and_the_annex_workbook_carry_the_note(self):
        import io

        from django.urls import reverse
        from openpyxl import load_workbook

        self.login(self.pat)
        page = self.client.get(reverse("statistics:index"), {"year": 2018})
        self.assertContains(page, "2018年有1家企业同期在两个及以上基地登记入驻（重复入驻）")
        book = load_workbook(io.BytesIO(self.client.get(
            reverse("statistics:annex_workbook"), {"year": 2018}).content))
        sheet = book["附件5"]
        notes = [cell.value for row in sheet.iter_rows() for cell in row
                 if isinstance(cell.value, str) and "重复入驻" in cell.value]
        self.assertEqual(len(notes), 1)
        self.assertIn("有1家企业", notes[0])
        self.assertNotContains(self.client.get(reverse("statistics:index"), {"year": 2017}),
                               "重复入驻）")


class CachedDuplicatesCountTests(RosterTestCase):
    """The count is cached under the roster's token: never stale after a change."""

    def test_a_second_read_of_the_count_needs_no_roster_query(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        duplicate_enterprises(2018)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(duplicate_enterprises(2018), 0)
        self.assertFalse([q for q in queries.captured_queries
                          if "bases_enterprise" in q["sql"]])

    def test_a_new_enterprise_resident_elsewhere_changes_the_cached_count(self):
        self.assertEqual(duplicate_enterprises(2018), 0)
        with self.captureOnCommitCallbacks(execute=True):
            self.make_enterprise(self.base_b, 1, "湘江智造（株洲）",
                                 moved_in=dt.date(2018, 7, 1))
        self.assertEqual(duplicate_enterprises(2018), 1)

    def test_a_move_out_recorded_through_the_service_changes_the_cached_count(self):
        from bases.roster.services import move_out

        self.make_enterprise(self.base_b, 1, "湘江智造（株洲）", moved_in=dt.date(2018, 7, 1))
        self.assertEqual(duplicate_enterprises(2018), 1)
        with self.captureOnCommitCallbacks(execute=True):  # a move, not two stays at once
            move_out(enterprise=self.ent_a, moved_out=dt.date(2018, 7, 1), actor=self.alice)
        self.assertEqual(duplicate_enterprises(2018), 0)

    def test_a_roster_workbook_import_changes_the_cached_count(self):
        from bases.roster.generation import roster_generation

        before = roster_generation()
        self.assertEqual(duplicate_enterprises(2018), 0)
        with self.captureOnCommitCallbacks(execute=True):
            self.import_twin_into_base_b()
        self.assertNotEqual(roster_generation(), before)
        self.assertEqual(duplicate_enterprises(2018), 1)

    def import_twin_into_base_b(self) -> None:
        from bases.roster import workbook
        from tests.roster.test_workbook import CODES, LABELS, row
        from tests.workbook_files import upload, xlsx

        result = workbook.import_roster(
            base=self.base_b, actor=self.bob, year=2018,
            file=upload(xlsx([LABELS, CODES, row(1, "湘江智造（株洲）", moved_in="2018-07-01")],
                             sheet=workbook.SHEET)))
        self.assertTrue(result.ok, [str(error) for error in result.errors])
