"""GB 32100-2015 check character, against codes published by the companies themselves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bases.credit_code import ALPHABET, credit_code_problem, validate_credit_code

#: The SPEC's example and the codes printed on well-known companies' business licences.
PUBLISHED = [
    "91350100M000100Y43",
    "91440300708461136T",
    "91110108551385082Q",
    "91330100799655058B",
    "91110000802100433B",
    "9111000071093123XX",
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_single_character_corruption_is_refused(code: str) -> None:
    accepted = []
    for position in range(len(code)):
        for character in ALPHABET + "IOZSV":
            if character == code[position]:
                continue
            corrupted = code[:position] + character + code[position + 1:]
            if credit_code_problem(corrupted) is None:
                accepted.append(corrupted)
    assert accepted == []


@pytest.mark.parametrize(("raw", "words"), [
    ("91350100M000100Y4", "应为18位，当前为17位"),
    ("91350100M000100Y433", "当前为19位"),
    ("91350100M0001O0Y43", "不使用字母 O"),
    ("91350100M000100Y4#", "无效字符：#"),
    ("91350100M000100Y44", "第18位应为 3"),
])
def test_the_message_names_the_rule_that_failed(raw: str, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(raw)
    assert words in refused.value.messages[0]


def test_codes_are_accepted_in_lower_case_with_blanks_and_stored_normalised() -> None:
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("913501 00M000 100Y43") == "91350100M000100Y43"
