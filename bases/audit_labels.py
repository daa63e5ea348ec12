"""What the audit log's codes mean, in Chinese: events, results and the details' keys.

The records keep their codes (stable for machines and for the Excel export's code column);
the page, the filters and the export show these labels. A code without a label is shown as
it is, so a new event is never hidden.
"""

from __future__ import annotations

import re

EVENT_LABELS: dict[str, str] = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "login_blocked": "锁定期间尝试登录",
    "lockout": "账号锁定",
    "logout": "退出登录",
    "otp_enabled": "启用两步验证",
    "otp_verified": "两步验证通过",
    "otp_failed": "两步验证失败",
    "otp_reset": "重置两步验证",
    "otp_reset_denied": "拒绝重置两步验证",
    "otp_setup_denied": "拒绝设置两步验证",
    "password_changed": "修改密码",
    "password_reset": "重设密码",
    "account_created": "创建账号",
    "account_changed": "修改账号",
    "account_refused": "拒绝创建账号",
    "account_change_denied": "拒绝修改本人账号",
    "account_unlocked": "解除锁定",
    "role_granted": "授予角色",
    "role_denied": "角色无权访问",
    "scope_denied": "越权访问（范围外）",
    "permission_denied": "无权访问",
    "csrf_denied": "请求校验失败（CSRF）",
    "redirect_refused": "拒绝外部跳转",
    "server_error": "服务器错误",
    "token_created": "创建接口令牌",
    "token_revoked": "吊销接口令牌",
    "handover": "信息管理员交接",
    "handover_requested": "申请交接",
    "report_saved": "保存报表",
    "report_submitted": "提交报表",
    "report_returned": "退回报表",
    "report_approved": "审核通过",
    "report_reopened": "重新打开报表",
    "round_opened": "开启报送轮次",
    "round_closed": "关闭报送轮次",
    "round_reopened": "重新开启报送轮次",
    "round_rescheduled": "调整报送时间",
    "extension_granted": "批准延期",
    "import_workbook": "导入数据工作簿",
    "import_bases": "导入基地名录",
    "upload_report_workbook": "上传报表工作簿",
    "download_report_workbook": "下载报表工作簿",
    "export_workbook": "导出数据工作簿",
    "export_ledger_province": "导出全省服务活动",
    "export_roster_province": "导出全省入驻企业名册",
    "export_annexes": "导出统计附表",
    "export_bulletin": "导出通报草稿",
    "export_completeness": "导出完成情况",
    "export_audit_log": "导出审计日志",
    "audit_purged": "清理过期审计记录",
    "roster_figures": "填报在驻企业年度数据",
    "roster_refused": "在驻企业数据被拒绝",
    "ledger_refused": "服务台账数据被拒绝",
    "ledger_import": "导入服务台帐",
    "roster_import": "导入入驻企业名册",
    "download_fill_in_workbook": "下载填报表",
    "download_import_template": "下载数据导入模板",
    "notice_settings_changed": "修改消息设置",
    "platform_requested": "申请平台对接账号",
    "platform_registered": "登记平台对接账号",
    "platform_declined": "驳回平台对接申请",
    "platform_web_denied": "平台对接账号登录网页被拒绝",
    "report_city_approved": "市州初审通过",
    "report_city_returned": "市州退回报表",
    "report_approved_override": "越级审核通过",
    "report_prefilled": "从台帐或名册填入报表",
}

OUTCOME_LABELS: dict[str, str] = {
    "success": "成功",
    "failure": "失败",
    "denied": "拒绝",
    "rejected": "驳回",
    "locked": "锁定",
    "dry_run": "预检",
}

#: The keys of "key=value" details written by older records and a few services.
DETAIL_KEYS: dict[str, str] = {
    "role": "角色",
    "active": "启用",
    "fields": "修改的字段",
    "older_than_days": "早于（天）",
    "deleted": "删除条数",
    "compare": "对比年度",
    "batch": "批次",
}

_DETAIL_VALUES: dict[str, str] = {"True": "是", "False": "否", "all": "全部"}
_PAIR = re.compile(r"(?<![\w&?])([a-z_]+)=([^\s&]*)")


def event_label(code: str) -> str:
    return EVENT_LABELS.get(code, code)


def outcome_label(code: str) -> str:
    return OUTCOME_LABELS.get(code, code)


def event_choices() -> list[tuple[str, str]]:
    """The event filter's drop-down: every known event by its label."""
    return [("", "全部事件"), *sorted(EVENT_LABELS.items(), key=lambda item: item[1])]


def events_matching(text: str) -> list[str]:
    """The codes whose label or code contains `text` (the typed event filter: 登录失败)."""
    text = text.strip().lower()
    return [code for code, label in EVENT_LABELS.items() if text in label or text in code]


def _value(key: str, value: str) -> str:
    from bases.models import Role, User

    if key == "role":
        return dict(Role.choices).get(value, value)
    if key == "fields":
        names = {f.name: str(f.verbose_name) for f in User._meta.get_fields()
                 if hasattr(f, "verbose_name")}
        return "、".join(names.get(name, name) for name in value.split(",") if name) or "无"
    return _DETAIL_VALUES.get(value, value)


def describe(text: str) -> str:
    """A detail as a reader sees it: "role=officer active=True" → "角色：基地信息管理员 启用：是";
    text without "key=value" pairs is shown as written."""
    return _PAIR.sub(lambda m: f"{DETAIL_KEYS.get(m[1], m[1])}：{_value(m[1], m[2])}", text)
