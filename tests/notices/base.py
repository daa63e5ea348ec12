"""Shared set-up of the notices' tests: an open 2018 round and officers with addresses."""

from __future__ import annotations

from bases.models import User
from reporting import indicators
from reporting.filing import services
from reporting.models import Report
from tests.base import BaseTestCase, complete_values

URL = "/bases/A001/reports/2018/"


class NoticeTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018)
        User.objects.filter(pk=cls.alice.pk).update(email="alice@example.cn",
                                                    mobile="13800000001")
        User.objects.filter(pk=cls.bob.pk).update(email="bob@example.cn")
        User.objects.filter(pk=cls.pat.pk).update(email="pat@example.cn")
        for user in (cls.alice, cls.bob, cls.pat):
            user.refresh_from_db()

    def draft(self, base=None, officer=None) -> Report:
        values = {c: indicators.BY_CODE[c].parse(v) for c, v in complete_values().items()}
        return services.save_draft(base=base or self.base_a, year=2018,
                                   actor=officer or self.alice, values=values, version=None)

    def submit(self, base=None, officer=None, today=None) -> Report:
        report = self.draft(base, officer)
        return services.submit_report(report=report, actor=officer or self.alice,
                                      version=report.version, today=today)

    def review(self, action: str, **data: str):
        """The province admin's decision through the review page, its notices delivered."""
        report = Report.objects.get(base=self.base_a, year=2018)
        self.login(self.pat)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(f"{URL}review/", {"action": action,
                                                      "version": str(report.version), **data})
