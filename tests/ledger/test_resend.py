import datetime as dt

from bases.ledger import services
from bases.ledger.models import Institution, LedgerChange, ServiceActivity
from tests.ledger.helpers import LedgerTestCase


class ResendTests(LedgerTestCase):
    def test_sending_the_same_external_id_twice_updates_instead_of_duplicating(self):
        first = services.ActivityInput(date=dt.date(2018, 9, 1), category="marketing",
                                       title="产品推介会", enterprises_served=8,
                                       external_id="PLAT-77")
        activity, created = services.upsert_activity(base=self.base_a, actor=self.alice,
                                                     data=first)
        again, created_again = services.upsert_activity(
            base=self.base_a, actor=self.alice,
            data=services.ActivityInput(**{**first.__dict__, "enterprises_served": 9,
                                           "external_id": " PLAT-77 "}))
        self.assertEqual((created, created_again, again.pk), (True, False, activity.pk))
        self.assertEqual(ServiceActivity.objects.filter(external_id="PLAT-77").count(), 1)
        again.refresh_from_db()
        self.assertEqual(again.enterprises_served, 9)
        change = LedgerChange.objects.filter(object_id=activity.pk, kind="activity",
                                             action="update").get()
        self.assertEqual((change.before["enterprises_served"],
                          change.after["enterprises_served"]), (8, 9))

    def test_same_external_id_in_another_base_is_another_entry(self):
        data = services.InstitutionInput(name="共享服务机构", categories=("info",),
                                         since=dt.date(2018, 1, 1), external_id="INST-1")
        services.upsert_institution(base=self.base_a, actor=self.alice, data=data)
        _, created = services.upsert_institution(base=self.base_b, actor=self.bob, data=data)
        self.assertTrue(created)
        self.assertEqual(Institution.objects.filter(external_id="INST-1").count(), 2)
