"""The one syntax of a number typed as text, for every app: the report form, the API's
decimal strings, text cells of a workbook, the roster's yearly figures.

ASCII or full-width digits, a minus sign where the figure may be negative, thousands
separators only in groups of three (1,234,567), a decimal point, spaces around (ASCII,
no-break or full-width). No exponent (9e999999999), NaN or Infinity: a reporting clerk
never means one, and a silent "1,2,3" → 123 is worse than a refusal. At most
MAX_TEXT_LENGTH characters. The same syntax is published as the API schema's `pattern`.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_TEXT_LENGTH = 40
_DIGIT = "[0-9０-９]"
_COMMA = "[,，]"
_POINT = "[.．]"
_MINUS = "[-－−]"
_SPACE = "[ \t\u00a0\u3000]"
_WHOLE = f"(?:{_DIGIT}{{1,3}}(?:{_COMMA}{_DIGIT}{{3}})+|{_DIGIT}+)"
_NUMBER = re.compile(f"{_SPACE}*(?P<minus>{_MINUS})?{_WHOLE}(?:{_POINT}{_DIGIT}+)?{_SPACE}*")
_BLANK = re.compile(f"{_SPACE}*")
_EXPONENT = re.compile(f"{_SPACE}*[-+－＋]?[0-9０-９,，.．]+[eEｅＥ][-+－＋]?[0-9０-９]+{_SPACE}*")
_MISPLACED_SEPARATOR = re.compile(f"{_SPACE}*{_MINUS}?[0-9０-９,，]+(?:{_POINT}[0-9０-９,，]*)?"
                                  f"{_SPACE}*")
_TO_ASCII = str.maketrans("０１２３４５６７８９．－−", "0123456789.--", ",， \t\u00a0\u3000")


class NumberSyntaxError(ValueError):
    """Text that is not a number in the portal's syntax; the message is for the user."""


class NegativeNumber(NumberSyntaxError):
    """A well-formed negative number where only figures of 0 and more are allowed."""


def blank(text: str) -> bool:
    """Nothing typed but spaces (a figure left empty)."""
    return len(text) <= MAX_TEXT_LENGTH and _BLANK.fullmatch(text) is not None


def parse_number_text(text: str, *, signed: bool) -> Decimal:
    """The exact number `text` says, or NumberSyntaxError with a message saying why not."""
    if len(text) > MAX_TEXT_LENGTH:
        raise NumberSyntaxError(f"内容过长：数字最多{MAX_TEXT_LENGTH}个字符")
    match = _NUMBER.fullmatch(text)
    if match is None:
        if _EXPONENT.fullmatch(text):
            raise NumberSyntaxError("不支持科学计数法（如 1e5），请写出完整的数字")
        if _MISPLACED_SEPARATOR.fullmatch(text) and any(c in text for c in ",，"):
            raise NumberSyntaxError("千位分隔符位置不正确：应每三位一个，如 1,234,567.50")
        raise NumberSyntaxError("必须是数字")
    if match["minus"] and not signed:
        raise NegativeNumber("不能为负数")
    return Decimal(text.translate(_TO_ASCII))


def number_pattern(*, signed: bool, decimals: int) -> str:
    """The text a figure accepts, as a regular expression (Python and ECMA alike).

    Wider than the parsers only in size (their value bound is 10^14): everything they
    accept matches, so the published schema never calls an accepted value invalid.
    """
    sign = f"{_MINUS}?" if signed else ""
    fraction = f"{_DIGIT}{{1,{decimals}}}0*" if decimals else "0+"
    return f"^{_SPACE}*{sign}{_WHOLE}(?:{_POINT}{fraction})?{_SPACE}*$"
