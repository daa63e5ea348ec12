import os

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2, as in production, at its cheapest: 0.3 ms a hash instead of 0.27 s of CPU.

    The suite hashes a password for every persona of every test class and at every login;
    the same algorithm name keeps the login, lockout and upgrade paths those of production
    (PBKDF2 hashes still verify and are upgraded to argon2 at the next login).
    """

    time_cost = 1
    memory_cost = 8  # KiB, Argon2's minimum
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Only under pytest: portal.settings (and every subprocess a test starts) keep the
    production parameters."""
    fast = f"{__name__}.{FastArgon2PasswordHasher.__name__}"
    hashers = [fast if path.endswith(".Argon2PasswordHasher") else path
               for path in settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True, scope="session")
def _expected_database_vendor(django_db_setup, django_db_blocker):
    """CI says which database it meant to test; fail loudly if the suite ran on another."""
    expected = os.environ.get("EXPECT_DB_VENDOR")
    if expected:
        from django.db import connection

        assert connection.vendor == expected, f"suite ran on {connection.vendor}, not {expected}"
