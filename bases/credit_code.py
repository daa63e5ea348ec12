"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from an alphabet without I, O, Z, S and V; the last one is a check
character over the first seventeen. Used by the roster (enterprises) and the ledger
(third-party institutions), so the rule and its messages live here once.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
FORBIDDEN = "IOZSV"
_VALUE = {character: value for value, character in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The check character that completes `first17` (17 characters of the alphabet)."""
    total = sum(_VALUE[character] * weight for character, weight in zip(first17, WEIGHTS,
                                                                         strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(raw: str) -> str:
    """Upper case without surrounding or inner blanks: how people copy codes around."""
    return "".join(raw.split()).upper()


def credit_code_problem(code: str) -> str | None:
    """Which rule `code` breaks, in words for the user; None when it is valid."""
    if len(code) != LENGTH:
        return f"统一社会信用代码应为{LENGTH}位，当前为{len(code)}位"
    forbidden = sorted({c for c in code if c in FORBIDDEN})
    if forbidden:
        return f"统一社会信用代码不使用字母 {'、'.join(forbidden)}（GB 32100-2015）"
    unknown = sorted({c for c in code if c not in _VALUE})
    if unknown:
        return f"统一社会信用代码含有无效字符：{'、'.join(unknown)}"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位不正确（第18位应为 {expected}），请核对是否录入有误"
    return None


def validate_credit_code(raw: str) -> str:
    """The normalised code, or ValidationError naming the rule that failed."""
    code = normalize(raw)
    problem = credit_code_problem(code)
    if problem:
        raise ValidationError(problem, code="credit_code")
    return code


def is_valid(code: str) -> bool:
    """Whether a normalised `code` is valid (`credit_code_problem` says why not): for the
    import's loop over tens of thousands of codes."""
    if len(code) != LENGTH:
        return False
    try:
        total = sum(map(int.__mul__, map(_VALUE.__getitem__, code[:17]), WEIGHTS))
    except KeyError:  # a character outside the alphabet, forbidden letters included
        return False
    return code[17] == ALPHABET[(31 - total % 31) % 31]
