import datetime as dt

from django.utils import timezone

from bases import services as base_services
from bases.ledger import services
from bases.models import Role
from tests.base import sign_in
from tests.ledger.helpers import LedgerTestCase


class LedgerHandoverTests(LedgerTestCase):
    def test_handover_page_shows_the_ledger_state(self):
        today = timezone.localdate()
        services.create_activity(base=self.base_a, actor=self.alice, data=services.ActivityInput(
            date=today, category="info", title="政策宣讲", enterprises_served=5))
        sign_in(self.client, self.pat)
        response = self.client.get("/bases/A001/handover/")
        state = response.context["ledger"]
        self.assertEqual((state.activities_this_year, state.last_activity_date,
                          state.institutions_cooperating), (1, today, 1))
        self.assertContains(response, f"{today.year}年服务活动")

    def test_new_officer_inherits_the_ledger_and_the_old_one_loses_it(self):
        dora = self.make_user("dora", Role.OFFICER)
        base_services.hand_over_base(base=self.base_a, new_officer=dora, actor=self.pat)
        sign_in(self.client, dora)
        url = f"/bases/A001/ledger/activities/{self.activity.pk}/edit/"
        response = self.client.post(url, {
            "date": "2018-05-10", "category": "training", "title": "创业培训班（接手后修改）",
            "provider": self.institution.pk, "enterprises_served": "30"})
        self.assertEqual(response.status_code, 302)
        self.activity.refresh_from_db()
        self.assertEqual((self.activity.title, self.activity.updated_by),
                         ("创业培训班（接手后修改）", dora))
        self.alice.refresh_from_db()
        sign_in(self.client, self.alice)
        self.assertEqual(self.client.get("/bases/A001/ledger/").status_code, 404)
        self.assertEqual(self.activity.date, dt.date(2018, 5, 10))
