"""The province's 重复入驻 page is paged (100 rows a page) with the year kept in the page
links, in the same number of queries however many duplicates there are."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bases.roster.models import Enterprise
from tests.roster.helpers import RosterTestCase, credit_code


class DuplicatesPageTests(RosterTestCase):
    def twins(self, first: int, count: int) -> None:
        """`count` credit codes resident in both base A and base B in 2018 (2 rows each)."""
        Enterprise.objects.bulk_create([
            Enterprise(base=base, name=f"双驻企业{n:03d}", credit_code=credit_code(100 + n),
                       moved_in=dt.date(2017, 1, 1))
            for n in range(first, first + count) for base in (self.base_a, self.base_b)])

    def queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(context)

    def test_second_page_shows_the_rest_and_links_keep_the_year(self):
        self.twins(0, 51)  # 102 rows: 100 on page 1, 2 on page 2
        self.login(self.pat)
        first = self.client.get("/roster/duplicates/?year=2018")
        self.assertContains(first, "第 1 / 2 页")
        self.assertContains(first, "共 102 条在驻记录")
        self.assertContains(first, 'href="?year=2018&amp;page=2"')
        self.assertEqual(first.content.decode().count("<tr>") - 2, 100)  # minus 2 header rows
        second = self.client.get("/roster/duplicates/?year=2018&page=2")
        self.assertContains(second, "第 2 / 2 页")
        # Sorted by city, base, name: page 2 is base B's last two.
        self.assertContains(second, "双驻企业049")
        self.assertContains(second, "双驻企业050")
        self.assertNotContains(second, "双驻企业000")
        self.assertContains(second, 'href="?year=2018&amp;page=1"')

    def test_page_without_a_year_uses_last_year_on_every_page(self):
        self.login(self.pat)
        response = self.client.get("/roster/duplicates/?page=2")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].cleaned_data["year"],
                         dt.date.today().year - 1)

    def test_query_count_does_not_grow_with_the_duplicates(self):
        self.login(self.pat)
        self.twins(0, 3)
        self.client.get("/roster/duplicates/")  # the session's first save is not the page's
        few = self.queries("/roster/duplicates/?year=2018")
        self.twins(3, 120)
        self.assertEqual(self.queries("/roster/duplicates/?year=2018&page=2"), few)
