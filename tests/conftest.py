import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _expected_database_vendor(django_db_setup, django_db_blocker):
    """CI says which database it meant to test; fail loudly if the suite ran on another."""
    expected = os.environ.get("EXPECT_DB_VENDOR")
    if expected:
        from django.db import connection

        assert connection.vendor == expected, f"suite ran on {connection.vendor}, not {expected}"
