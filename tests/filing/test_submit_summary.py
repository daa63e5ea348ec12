"""Issue 16.13: a refused submission lists every problem at the top of the form, each a
link to its field (or to its explanation box)."""

from __future__ import annotations

import re

from tests.filing.test_filing import FilingTestCase


def summary(page: str) -> list[tuple[str, str]]:
    """(link target, text) of each item of the summary; the summary comes before the form's
    first section."""
    start = page.index('id="problems"')
    assert start < page.index('id="section-'), "the summary is not at the top"
    block = page[start:page.index("</section>", start)]
    return [(href, re.sub(r"<[^>]+>", "", text)) for href, text in
            re.findall(r'<li><a href="#([^"]+)">(.*?)</li>', block, flags=re.S)]


class SubmitSummaryTests(FilingTestCase):
    def test_errors_are_listed_at_the_top_with_links_to_their_fields(self):
        self.login(self.alice)

        response = self.submit_complete(building_area="1,2,3", service_staff="2.5")

        items = summary(response.content.decode())
        self.assertEqual([href for href, _ in items], ["id_building_area", "id_service_staff"])
        self.assertIn("建筑面积：千位分隔符位置不正确", items[0][1])
        self.assertIn('id="id_building_area"', response.content.decode())

    def test_check_failures_are_listed_too(self):
        self.login(self.alice)

        response = self.submit_complete(service_revenue="5000.01")

        self.assertEqual(summary(response.content.decode())[0][0], "id_service_revenue")

    def test_findings_without_an_explanation_link_to_their_explanation_box(self):
        self.login(self.alice)

        response = self.submit_complete(service_revenue="2600")

        items = summary(response.content.decode())
        self.assertEqual(items[0][0], "explain-service_revenue_share:service_revenue")
        self.assertIn("请填写情况说明", items[0][1])

    def test_a_first_visit_and_a_clean_save_show_no_summary(self):
        self.login(self.alice)

        self.assertNotIn('id="problems"', self.client.get("/bases/A001/reports/2018/")
                         .content.decode())
