"""Issue 16.4: the history (流转记录) names a commented figure by its label, never its code."""

from __future__ import annotations

from tests.filing.test_filing import URL, FilingTestCase


class HistoryLabelTests(FilingTestCase):
    def test_return_comments_in_the_history_show_the_figures_label(self):
        self.login(self.alice)
        self.submit_complete()
        self.login(self.pat)
        self.client.post(f"{URL}review/", {"action": "return", "version": self.version(),
                                           "comment": "请核实",
                                           "comment__building_area": "与规划证不一致"})

        page = self.client.get(URL).content.decode()
        history = page[page.index("<h2>流转记录</h2>"):]

        self.assertIn("建筑面积：与规划证不一致", history)
        self.assertNotIn("building_area", history)
