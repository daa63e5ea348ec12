"""Who may do what to a report (reporting.filing.policy) in a one-level round, asserted three
ways for every cell of the table: the policy function, the web pages and the API
(tests/filing/policy_table.py). Two-level rounds: test_policy_two_level.py.
"""

from __future__ import annotations

from django.utils import timezone

from reporting import indicators
from reporting.filing import policy, services
from reporting.models import Report
from tests.base import BaseTestCase, complete_values
from tests.filing.policy_table import PolicyTable

# alice: officer of A001 · bob: officer of another base · carol: viewer of A001's city ·
# charlie: viewer of another city · rita: reviewer of A001's city (in a one-level round she
# only reads: her returns are 409) · rex: reviewer of another city · pat: province ·
# sam: security · audrey: audit.
# ok: allowed; 404: outside the caller's scope; 403: the role never does this;
# 409: the role may, but not in this state (report, round or review mode).
TABLE = """
round   action   state      alice  bob  carol  charlie  rita  rex  pat  sam  audrey
open    view     none       ok     404  ok     404      ok    404  ok   404  404
open    view     draft      ok     404  ok     404      ok    404  ok   404  404
open    view     submitted  ok     404  ok     404      ok    404  ok   404  404
open    view     returned   ok     404  ok     404      ok    404  ok   404  404
open    view     approved   ok     404  ok     404      ok    404  ok   404  404
open    edit     none       ok     404  403    404      403   404  403  404  404
open    edit     draft      ok     404  403    404      403   404  403  404  404
open    edit     submitted  409    404  403    404      403   404  403  404  404
open    edit     returned   ok     404  403    404      403   404  403  404  404
open    edit     approved   409    404  403    404      403   404  403  404  404
open    submit   none       ok     404  403    404      403   404  403  404  404
open    submit   draft      ok     404  403    404      403   404  403  404  404
open    submit   submitted  409    404  403    404      403   404  403  404  404
open    submit   returned   ok     404  403    404      403   404  403  404  404
open    submit   approved   409    404  403    404      403   404  403  404  404
open    return   none       403    404  403    404      409   404  409  404  404
open    return   draft      403    404  403    404      409   404  409  404  404
open    return   submitted  403    404  403    404      409   404  ok   404  404
open    return   returned   403    404  403    404      409   404  409  404  404
open    return   approved   403    404  403    404      409   404  409  404  404
open    approve  none       403    404  403    404      403   404  409  404  404
open    approve  draft      403    404  403    404      403   404  409  404  404
open    approve  submitted  403    404  403    404      403   404  ok   404  404
open    approve  returned   403    404  403    404      403   404  409  404  404
open    approve  approved   403    404  403    404      403   404  409  404  404
open    reopen   none       403    404  403    404      403   404  409  404  404
open    reopen   draft      403    404  403    404      403   404  409  404  404
open    reopen   submitted  403    404  403    404      403   404  409  404  404
open    reopen   returned   403    404  403    404      403   404  409  404  404
open    reopen   approved   403    404  403    404      403   404  ok   404  404
closed  view     none       ok     404  ok     404      ok    404  ok   404  404
closed  view     draft      ok     404  ok     404      ok    404  ok   404  404
closed  view     submitted  ok     404  ok     404      ok    404  ok   404  404
closed  view     returned   ok     404  ok     404      ok    404  ok   404  404
closed  view     approved   ok     404  ok     404      ok    404  ok   404  404
closed  edit     none       409    404  403    404      403   404  403  404  404
closed  edit     draft      409    404  403    404      403   404  403  404  404
closed  edit     submitted  409    404  403    404      403   404  403  404  404
closed  edit     returned   409    404  403    404      403   404  403  404  404
closed  edit     approved   409    404  403    404      403   404  403  404  404
closed  submit   none       409    404  403    404      403   404  403  404  404
closed  submit   draft      409    404  403    404      403   404  403  404  404
closed  submit   submitted  409    404  403    404      403   404  403  404  404
closed  submit   returned   409    404  403    404      403   404  403  404  404
closed  submit   approved   409    404  403    404      403   404  403  404  404
closed  return   none       403    404  403    404      409   404  409  404  404
closed  return   draft      403    404  403    404      409   404  409  404  404
closed  return   submitted  403    404  403    404      409   404  409  404  404
closed  return   returned   403    404  403    404      409   404  409  404  404
closed  return   approved   403    404  403    404      409   404  409  404  404
closed  approve  none       403    404  403    404      403   404  409  404  404
closed  approve  draft      403    404  403    404      403   404  409  404  404
closed  approve  submitted  403    404  403    404      403   404  409  404  404
closed  approve  returned   403    404  403    404      403   404  409  404  404
closed  approve  approved   403    404  403    404      403   404  409  404  404
closed  reopen   none       403    404  403    404      403   404  409  404  404
closed  reopen   draft      403    404  403    404      403   404  409  404  404
closed  reopen   submitted  403    404  403    404      403   404  409  404  404
closed  reopen   returned   403    404  403    404      403   404  409  404  404
closed  reopen   approved   403    404  403    404      403   404  ok   404  404
"""
VALUES = {code: indicators.BY_CODE[code].parse(raw) for code, raw in complete_values().items()}


class PolicyTableTests(PolicyTable, BaseTestCase):
    TABLE = TABLE

    def test_view(self):
        self.check_action("view")

    def test_edit(self):
        self.check_action("edit")

    def test_submit(self):
        self.check_action("submit")

    def test_return(self):
        self.check_action("return")

    def test_approve(self):
        self.check_action("approve")

    def test_reopen(self):
        self.check_action("reopen")


class PolicyInServicesTests(BaseTestCase):
    """The services refuse on their own what the policy refuses (a page or API that forgot
    to ask, a command, a race): the province does not save figures, a closed round is
    read-only."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.round = cls.open_round(2018)

    def test_province_admin_cannot_save_figures_through_the_service(self):
        with self.assertRaises(services.PolicyDenied) as caught:
            services.save_draft(base=self.base_a, year=2018, actor=self.pat, values=VALUES,
                                version=None)
        self.assertEqual(caught.exception.decision.kind, policy.Kind.ROLE)
        self.assertFalse(Report.objects.exists())

    def test_closed_round_refuses_approval_but_allows_reopening(self):
        report = services.save_draft(base=self.base_a, year=2018, actor=self.alice,
                                     values=VALUES, version=None)
        report = services.submit_report(report=report, actor=self.alice, version=report.version)
        self.round.closed_at = timezone.now()
        self.round.save()
        with self.assertRaises(services.PolicyDenied) as caught:
            services.approve_report(report=report, actor=self.pat, version=report.version)
        self.assertEqual(caught.exception.decision.kind, policy.Kind.STATE)
        self.assertIn("已关闭", str(caught.exception))
        Report.objects.filter(pk=report.pk).update(status="approved")
        reopened = services.reopen_report(report=report, actor=self.pat, reason="数据有误")
        self.assertEqual(reopened.status, "returned")
