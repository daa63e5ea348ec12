"""The eight service categories of the ledger.

They are the middle part of the catalog's `svc_<category>_sessions` codes. `bases` may not
import `reporting`, so the list lives here too; tests/ledger/test_categories.py checks that
the catalog has exactly the same categories, with the same labels.
"""

from __future__ import annotations

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("info", "信息服务"),
    ("coaching", "创业辅导"),
    ("innovation", "创新支持"),
    ("training", "人员培训"),
    ("marketing", "市场营销"),
    ("financing", "投融资服务"),
    ("consulting", "管理咨询"),
    ("professional", "专业服务"),
)
LABELS: dict[str, str] = dict(CATEGORIES)


def label(key: str) -> str:
    return LABELS.get(key, key)
