"""The persona x action x state table's machinery (tests/filing/test_policy*.py): each cell is
asserted three ways, by the policy function, the web pages (the test client on the real URLs)
and the API.

Every cell starts from base A001's 2018 report in the given state (none: not yet created)
and the 2018 round open or closed, in the table's review mode; each channel gets a fresh copy
(a savepoint rolled back after it), so an allowed action in one channel does not change what
the next one sees.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bases.models import AuditEvent
from reporting import indicators
from reporting.filing import policy, services
from reporting.filing.policy import Target
from reporting.models import Report, Round
from tests.base import complete_values, sign_in


def parse(table: str) -> tuple[list[str], list[tuple[str, str, str, dict[str, str]]]]:
    header, *lines = [line.split() for line in table.strip().splitlines()]
    personas = header[3:]
    return personas, [(r, a, s, dict(zip(personas, cells, strict=True)))
                      for r, a, s, *cells in lines]


DECIDE = {"view": policy.may_view, "edit": policy.may_edit, "submit": policy.may_submit,
          "return": policy.may_return, "approve": policy.may_approve,
          "reopen": policy.may_reopen, "city_approve": policy.may_city_approve,
          "override": lambda user, target: policy.may_approve(user, target, override=True)}
CODES = {policy.Kind.SCOPE: "404", policy.Kind.ROLE: "403", policy.Kind.STATE: "409"}
URL = "/bases/A001/reports/2018/"
API = "/api/v1"
VALUES = {code: indicators.BY_CODE[code].parse(raw) for code, raw in complete_values().items()}


class PolicyTable:
    """Mixed into a BaseTestCase with TABLE (see parse) and REVIEW_LEVELS of the 2018 round."""

    TABLE: str
    REVIEW_LEVELS = 1

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.personas, cls.rows = parse(cls.TABLE)
        cls.round = cls.open_round(2018, review_levels=cls.REVIEW_LEVELS)
        cls.tokens = {name: Token.objects.create(user=getattr(cls, name)).key
                      for name in cls.personas}

    def setUp(self) -> None:
        cache.clear()  # API throttle counters
        self.web = {}
        for name in self.personas:
            self.web[name] = Client()
            sign_in(self.web[name], getattr(self, name))

    # --- one cell ------------------------------------------------------------------------

    def arrange(self, state: str, round_state: str) -> Report | None:
        if round_state == "closed":
            Round.objects.filter(pk=self.round.pk).update(closed_at=timezone.now())
        if state == "none":
            return None
        submitted = None if state == "draft" else timezone.now()
        report = Report.objects.create(base=self.base_a, year=2018, status=state,
                                       first_submitted_at=submitted, submitted_at=submitted)
        services.write_values(report, VALUES)
        return report

    def in_fresh_state(self, state: str, round_state: str, act) -> tuple[Any, bool, bool]:
        """Arrange, act, report (result, whether the report changed, whether a refusal was
        audited); then roll everything back."""
        with transaction.atomic():
            report = self.arrange(state, round_state)
            before = list(Report.objects.values_list("status", "version"))
            denials = AuditEvent.objects.filter(outcome="denied").count()
            result = act(report)
            changed = list(Report.objects.values_list("status", "version")) != before
            audited = AuditEvent.objects.filter(outcome="denied").count() > denials
            transaction.set_rollback(True)
        return result, changed, audited

    def policy_answer(self, persona: str, action: str, report: Report | None) -> str:
        target = Target.for_base(self.base_a, 2018)
        self.assertEqual(target.report, report)
        decision = DECIDE[action](getattr(self, persona), target)
        return "ok" if decision.allowed else CODES[decision.kind]

    def web_status(self, persona: str, action: str, report: Report | None) -> int:
        client = self.web[persona]
        version = str(report.version) if report else ""
        if action == "view":
            return client.get(URL).status_code
        if action in ("edit", "submit"):
            data = {"action": "save" if action == "edit" else "submit", "version": version,
                    **complete_values()}
            return client.post(URL, data).status_code
        return client.post(f"{URL}review/", {"action": action, "version": version,
                                             "comment": "请核实数据"}).status_code

    def api_status(self, persona: str, action: str, report: Report | None) -> int | None:
        """None where the API has no such call (a report not yet created has no id)."""
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[persona]}")
        if report is None:
            if action != "edit":
                return None
            body = {"year": 2018, "base_code": "A001", "values": {"employees": 5}}
            return client.post(f"{API}/reports/", body, format="json").status_code
        path, version = f"{API}/reports/{report.pk}/", report.version
        calls = {
            "view": lambda: client.get(path),
            "edit": lambda: client.patch(path, {"version": version,
                                                "values": {"employees": 5}}, format="json"),
            "submit": lambda: client.post(f"{path}submit/", {"version": version}, format="json"),
            "return": lambda: client.post(f"{path}return/", {"version": version,
                                                             "comment": "请核实数据"},
                                          format="json"),
            "approve": lambda: client.post(f"{path}approve/", {"version": version},
                                           format="json"),
            "override": lambda: client.post(f"{path}approve/", {
                "version": version, "override_reason": "市州逾期未审"}, format="json"),
            "city_approve": lambda: client.post(f"{path}city-approve/", {"version": version},
                                                format="json"),
            "reopen": lambda: client.post(f"{path}reopen/", {"version": version,
                                                             "reason": "数据有误"},
                                          format="json"),
        }
        return calls[action]().status_code

    # --- the table -----------------------------------------------------------------------

    def check_action(self, action: str) -> None:
        rows = [row for row in self.rows if row[1] == action]
        states = {state for _, _, state, _ in self.rows}
        self.assertEqual(len(rows), 2 * len(states))  # every report state x open/closed round
        for round_state, _, state, expected in rows:
            for persona, want in expected.items():
                with self.subTest(round=round_state, state=state, persona=persona):
                    self.check_cell(persona, action, state, round_state, want)

    def check_cell(self, persona: str, action: str, state: str, round_state: str,
                   want: str) -> None:
        answer, _, _ = self.in_fresh_state(
            state, round_state, lambda report: self.policy_answer(persona, action, report))
        self.assertEqual(answer, want, "policy")

        status, changed, audited = self.in_fresh_state(
            state, round_state, lambda report: self.web_status(persona, action, report))
        ok = 200 if action == "view" else 302
        self.assertEqual(status, ok if want == "ok" else int(want), "web")
        self.assert_refusal_left_no_trace(want, action, changed, audited, "web")

        status, changed, audited = self.in_fresh_state(
            state, round_state, lambda report: self.api_status(persona, action, report))
        if status is not None:
            ok = 201 if state == "none" else 200
            self.assertEqual(status, ok if want == "ok" else int(want), "api")
            self.assert_refusal_left_no_trace(want, action, changed, audited, "api")

    def assert_refusal_left_no_trace(self, want: str, action: str, changed: bool,
                                     audited: bool, channel: str) -> None:
        if want == "ok":
            self.assertEqual(changed, action != "view", f"{channel}: the allowed write")
            return
        self.assertFalse(changed, f"{channel}: a refusal saved something")
        # 404 and 403 are audited; a 409 is the ordinary answer to a stale page.
        self.assertEqual(audited, want in ("404", "403"), f"{channel}: audit of the refusal")
