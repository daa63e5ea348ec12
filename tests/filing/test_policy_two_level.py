"""Who may do what to a report in a two-level round (SPEC 11): the persona x action x state
table of tests/filing/test_policy.py with the city's review between the officer and the
province, asserted by the policy, the web pages and the API (tests/filing/policy_table.py).
"""

from __future__ import annotations

from tests.base import BaseTestCase
from tests.filing.policy_table import PolicyTable

# alice: officer of A001 · bob: officer of another base · carol: viewer of A001's city ·
# rita: reviewer of A001's city · rex: reviewer of another city · pat: province ·
# sam: security (audit admins are refused like him: test_policy.py).
# return: the city reviewer returns a submitted report, the province a submitted or a
# city-approved one. city_approve: the city reviewer's 初审通过. approve: the province, of a
# city-approved report only; override: 越级审核 with a written reason, a submitted one too.
TABLE = """
round   action        state          alice  bob    carol  rita   rex    pat    sam
open    view          none           ok     404    ok     ok     404    ok     404
open    view          draft          ok     404    ok     ok     404    ok     404
open    view          submitted      ok     404    ok     ok     404    ok     404
open    view          city_approved  ok     404    ok     ok     404    ok     404
open    view          returned       ok     404    ok     ok     404    ok     404
open    view          approved       ok     404    ok     ok     404    ok     404
open    edit          none           ok     404    403    403    404    403    404
open    edit          draft          ok     404    403    403    404    403    404
open    edit          submitted      409    404    403    403    404    403    404
open    edit          city_approved  409    404    403    403    404    403    404
open    edit          returned       ok     404    403    403    404    403    404
open    edit          approved       409    404    403    403    404    403    404
open    submit        none           ok     404    403    403    404    403    404
open    submit        draft          ok     404    403    403    404    403    404
open    submit        submitted      409    404    403    403    404    403    404
open    submit        city_approved  409    404    403    403    404    403    404
open    submit        returned       ok     404    403    403    404    403    404
open    submit        approved       409    404    403    403    404    403    404
open    return        none           403    404    403    409    404    409    404
open    return        draft          403    404    403    409    404    409    404
open    return        submitted      403    404    403    ok     404    ok     404
open    return        city_approved  403    404    403    409    404    ok     404
open    return        returned       403    404    403    409    404    409    404
open    return        approved       403    404    403    409    404    409    404
open    city_approve  none           403    404    403    409    404    403    404
open    city_approve  draft          403    404    403    409    404    403    404
open    city_approve  submitted      403    404    403    ok     404    403    404
open    city_approve  city_approved  403    404    403    409    404    403    404
open    city_approve  returned       403    404    403    409    404    403    404
open    city_approve  approved       403    404    403    409    404    403    404
open    approve       none           403    404    403    403    404    409    404
open    approve       draft          403    404    403    403    404    409    404
open    approve       submitted      403    404    403    403    404    409    404
open    approve       city_approved  403    404    403    403    404    ok     404
open    approve       returned       403    404    403    403    404    409    404
open    approve       approved       403    404    403    403    404    409    404
open    override      none           403    404    403    403    404    409    404
open    override      draft          403    404    403    403    404    409    404
open    override      submitted      403    404    403    403    404    ok     404
open    override      city_approved  403    404    403    403    404    ok     404
open    override      returned       403    404    403    403    404    409    404
open    override      approved       403    404    403    403    404    409    404
open    reopen        none           403    404    403    403    404    409    404
open    reopen        draft          403    404    403    403    404    409    404
open    reopen        submitted      403    404    403    403    404    409    404
open    reopen        city_approved  403    404    403    403    404    409    404
open    reopen        returned       403    404    403    403    404    409    404
open    reopen        approved       403    404    403    403    404    ok     404
closed  view          none           ok     404    ok     ok     404    ok     404
closed  view          draft          ok     404    ok     ok     404    ok     404
closed  view          submitted      ok     404    ok     ok     404    ok     404
closed  view          city_approved  ok     404    ok     ok     404    ok     404
closed  view          returned       ok     404    ok     ok     404    ok     404
closed  view          approved       ok     404    ok     ok     404    ok     404
closed  edit          none           409    404    403    403    404    403    404
closed  edit          draft          409    404    403    403    404    403    404
closed  edit          submitted      409    404    403    403    404    403    404
closed  edit          city_approved  409    404    403    403    404    403    404
closed  edit          returned       409    404    403    403    404    403    404
closed  edit          approved       409    404    403    403    404    403    404
closed  submit        none           409    404    403    403    404    403    404
closed  submit        draft          409    404    403    403    404    403    404
closed  submit        submitted      409    404    403    403    404    403    404
closed  submit        city_approved  409    404    403    403    404    403    404
closed  submit        returned       409    404    403    403    404    403    404
closed  submit        approved       409    404    403    403    404    403    404
closed  return        none           403    404    403    409    404    409    404
closed  return        draft          403    404    403    409    404    409    404
closed  return        submitted      403    404    403    409    404    409    404
closed  return        city_approved  403    404    403    409    404    409    404
closed  return        returned       403    404    403    409    404    409    404
closed  return        approved       403    404    403    409    404    409    404
closed  city_approve  none           403    404    403    409    404    403    404
closed  city_approve  draft          403    404    403    409    404    403    404
closed  city_approve  submitted      403    404    403    409    404    403    404
closed  city_approve  city_approved  403    404    403    409    404    403    404
closed  city_approve  returned       403    404    403    409    404    403    404
closed  city_approve  approved       403    404    403    409    404    403    404
closed  approve       none           403    404    403    403    404    409    404
closed  approve       draft          403    404    403    403    404    409    404
closed  approve       submitted      403    404    403    403    404    409    404
closed  approve       city_approved  403    404    403    403    404    409    404
closed  approve       returned       403    404    403    403    404    409    404
closed  approve       approved       403    404    403    403    404    409    404
closed  override      none           403    404    403    403    404    409    404
closed  override      draft          403    404    403    403    404    409    404
closed  override      submitted      403    404    403    403    404    409    404
closed  override      city_approved  403    404    403    403    404    409    404
closed  override      returned       403    404    403    403    404    409    404
closed  override      approved       403    404    403    403    404    409    404
closed  reopen        none           403    404    403    403    404    409    404
closed  reopen        draft          403    404    403    403    404    409    404
closed  reopen        submitted      403    404    403    403    404    409    404
closed  reopen        city_approved  403    404    403    403    404    409    404
closed  reopen        returned       403    404    403    403    404    409    404
closed  reopen        approved       403    404    403    403    404    ok     404
"""


class TwoLevelPolicyTableTests(PolicyTable, BaseTestCase):
    TABLE = TABLE
    REVIEW_LEVELS = 2

    def test_view(self):
        self.check_action("view")

    def test_edit(self):
        self.check_action("edit")

    def test_submit(self):
        self.check_action("submit")

    def test_return(self):
        self.check_action("return")

    def test_city_approve(self):
        self.check_action("city_approve")

    def test_approve(self):
        self.check_action("approve")

    def test_override(self):
        self.check_action("override")

    def test_reopen(self):
        self.check_action("reopen")
