"""Issue 16.6: the audit log speaks Chinese: events, results, details, labelled filters with
an event drop-down, and the Excel export (with the event code in a column of its own)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

from openpyxl import load_workbook

from bases.audit_labels import EVENT_LABELS, OUTCOME_LABELS, describe
from bases.models import AuditEvent
from tests.base import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]


def recorded_codes() -> set[str]:
    """Every event and result code the portal's code passes to the audit log."""
    codes = set()
    for path in [*ROOT.glob("bases/**/*.py"), *ROOT.glob("reporting/**/*.py"),
                 *ROOT.glob("portal/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("record", "create"):
                continue
            arguments = [*node.args[1:2], *(k.value for k in node.keywords
                                             if k.arg in ("event", "outcome"))]
            for argument in arguments:
                values = ([argument.body, argument.orelse] if isinstance(argument, ast.IfExp)
                          else [argument])
                codes.update(v.value for v in values if isinstance(v, ast.Constant)
                             and isinstance(v.value, str) and v.value.isidentifier())
    return codes


class AuditLabelTests(BaseTestCase):
    def test_every_recorded_event_and_result_has_a_chinese_label(self):
        codes = recorded_codes()

        self.assertIn("login_failed", codes)
        self.assertEqual(sorted(codes - EVENT_LABELS.keys() - OUTCOME_LABELS.keys()), [])

    def test_details_written_as_codes_read_in_chinese(self):
        self.assertEqual(describe("role=officer active=True fields=role,is_active"),
                         "角色：基地信息管理员 启用：是 修改的字段：角色、有效")
        self.assertEqual(describe("安全管理员设置密码，下次登录须修改"),
                         "安全管理员设置密码，下次登录须修改")

    def test_the_page_filters_by_a_labelled_event_drop_down_and_shows_labels(self):
        AuditEvent.objects.create(event="login", actor_username="alice")
        AuditEvent.objects.create(event="login_failed", actor_username="bob",
                                  outcome="failure", detail="role=officer")
        self.login(self.audrey)

        page = self.client.get("/audit/", {"event": "login_failed"}).content.decode()

        self.assertIn('<label for="id_event">事件</label>', page)
        self.assertIn('<option value="login_failed" selected>登录失败</option>', page)
        self.assertIn("<td>登录失败</td>", page)
        self.assertIn("<td>失败</td>", page)
        self.assertIn("角色：基地信息管理员", page)
        self.assertNotIn("<td>登录成功</td>", page)
        for name in ("actor", "outcome", "date_from", "date_to"):
            self.assertIn(f'<label for="id_{name}">', page)

    def test_the_export_is_in_chinese_with_the_event_code_for_machines(self):
        AuditEvent.objects.create(event="scope_denied", actor_username="bob",
                                  outcome="denied", detail="role=officer")
        self.login(self.audrey)

        response = self.client.get("/audit/", {"event": "scope_denied", "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content))["审计日志"]

        self.assertEqual([c.value for c in sheet[1]],
                         ["时间", "用户名", "来源IP", "事件", "对象", "结果", "详情", "事件代码"])
        row = [c.value for c in sheet[2]]
        self.assertEqual(row[3:], ["越权访问（范围外）", None, "拒绝", "角色：基地信息管理员",
                                   "scope_denied"])
        exported = AuditEvent.objects.get(event="export_audit_log")
        self.assertEqual(exported.detail, "筛选条件 事件：越权访问（范围外）")
