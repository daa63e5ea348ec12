"""Fixtures shared by tests/statistics/."""

from __future__ import annotations

import pytest

from bases.models import City

# ---------------------------------------------------------------------------------------
# Fixtures: rows made directly through the ORM
# ---------------------------------------------------------------------------------------


@pytest.fixture
def changsha() -> City:
    return City.objects.get(name="长沙市")


@pytest.fixture
def zhuzhou() -> City:
    return City.objects.get(name="株洲市")
