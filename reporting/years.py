"""The reporting year: the range every form, API call, upload and command accepts, and the
comparison year of the statistics.

One home so that a page, the API and a command never disagree about which years exist.
Nothing here reads the database (the models import it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

YEAR_MIN, YEAR_MAX = 2000, 2100
YEAR_MESSAGE = f"年度应在{YEAR_MIN}至{YEAR_MAX}之间"
SAME_COMPARE_YEAR_MESSAGE = "对比年度不能与统计年度相同"


def validate_year(year: int) -> None:
    """A Django validator (forms, models, DRF fields): the message names the field (年度)."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(YEAR_MESSAGE, code="year_range")


def comparison_year(year: int, compare_year: int | None) -> int:
    """The comparison year of 附件2/4/6 and the bulletin: the one asked for, else the year
    before; never the year itself (an error keyed `compare_year`)."""
    chosen = year - 1 if compare_year is None else compare_year
    if chosen == year:
        raise ValidationError({"compare_year": SAME_COMPARE_YEAR_MESSAGE}, code="same_year")
    return chosen


def checked_years(year: int, compare_year: int | None = None) -> tuple[int, int]:
    """For the commands: (year, comparison year), or a CommandError with the message."""
    from django.core.management.base import CommandError

    try:
        validate_year(year)
        if compare_year is not None:
            validate_year(compare_year)
        return year, comparison_year(year, compare_year)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
