"""The one way a date is written in the portal's text (messages, refusals), the same as the
templates' "Y年n月j日": 2018年3月31日, never 2018-03-31 or 2018年03月31日.

Figures have theirs in `reporting.filing.presentation.display` (thousands separators, the
figure's decimals).
"""

from __future__ import annotations

import datetime as dt


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
