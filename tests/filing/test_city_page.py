"""Issue 16.12: the city viewer's page: the open round's progress of their own city's bases
(status, deadline, last change) and the city's statistics."""

from __future__ import annotations

import datetime as dt

from bases.models import Base
from reporting.models import Extension
from tests.filing.test_filing import FilingTestCase


class CityPageTests(FilingTestCase):
    def test_the_viewer_sees_each_base_of_their_city_and_no_other(self):
        Base.objects.create(code="A002", name="长沙第二基地", city=self.changsha,
                            year_designated=2016)
        Extension.objects.create(round=self.round, base=self.base_a,
                                 deadline=self.round.deadline + dt.timedelta(days=30))
        self.login(self.alice)
        self.submit_complete()
        self.login(self.carol)

        response = self.client.get("/city/")

        page = response.content.decode()
        table = page[page.index('id="city-bases"'):page.index("</table>",
                                                               page.index('id="city-bases"'))]
        self.assertEqual(response.status_code, 200)
        self.assertIn("长沙市报送进度", page)
        self.assertIn("长沙科技新城", table)
        self.assertIn("已提交", table)
        deadline = self.round.deadline + dt.timedelta(days=30)
        self.assertIn(f"{deadline.year}年{deadline.month}月{deadline.day}日", table)
        self.assertIn("长沙第二基地", table)
        self.assertIn("未开始", table)
        self.assertNotIn("株洲创业园", page)
        self.assertIn('id="city-statistics"', page)
        self.assertIn('href="/city/"', page)  # in the city viewer's menu

    def test_only_city_viewers_have_the_page(self):
        for user in (self.alice, self.pat, self.sam):
            self.login(user)
            self.assertEqual(self.client.get("/city/").status_code, 404, user.username)
