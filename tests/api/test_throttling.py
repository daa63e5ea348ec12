"""API throttles hold across workers and hosts, and bad tokens are throttled (issue 14,
item 12)."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from unittest import mock

from django.core.cache import caches
from django.core.cache.backends import locmem
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.env import ImproperlyConfiguredEnv, cache_from_url
from tests.api.helpers import ApiTestCase
from tests.portal.test_foundation import run_django

INDICATORS = "/api/v1/indicators/"


def new_worker() -> None:
    """What another gunicorn worker (or host) starts with: no cache connection of its own
    and none of this process's memory."""
    caches.close_all()
    del caches["default"]
    for memory in (locmem._caches, locmem._expire_info, locmem._locks):
        memory.clear()


class SharedThrottleTests(ApiTestCase):
    def bad_token_statuses(self, count: int, **headers: str) -> list[int]:
        statuses = []
        for attempt in range(count):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token guess{attempt:035d}",
                               **{k: v.format(attempt) for k, v in headers.items()})
            statuses.append(client.get(INDICATORS).status_code)
        return statuses

    def test_bad_tokens_count_against_the_anonymous_throttle(self):
        with mock.patch.object(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"}):
            self.assertEqual(self.bad_token_statuses(5), [401, 401, 401, 429, 429])
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION="Token xyz")
            response = client.get(INDICATORS)
        self.assertEqual(response.status_code, 429)
        self.assertGreater(int(response["Retry-After"]), 0)
        self.assertIn("detail", response.json())
        # Another address still gets its own count; a good token is not held back.
        self.assertEqual(self.call("alice", "get", "/indicators/").status_code, 200)

    def test_an_invented_forwarded_for_header_does_not_start_a_fresh_count(self):
        with mock.patch.object(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"}):
            statuses = self.bad_token_statuses(5, HTTP_X_FORWARDED_FOR="203.0.113.{}")
        self.assertEqual(statuses, [401, 401, 401, 429, 429])

    def test_the_count_survives_a_new_worker(self):
        with mock.patch.object(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"}):
            statuses = [self.call("alice", "get", "/indicators/").status_code for _ in range(2)]
            new_worker()
            statuses += [self.call("alice", "get", "/indicators/").status_code
                         for _ in range(2)]
        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_bad_tokens_are_counted_across_workers_too(self):
        with mock.patch.object(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"}):
            statuses = self.bad_token_statuses(2)
            new_worker()
            statuses += self.bad_token_statuses(1)
        self.assertEqual(statuses, [401, 401, 429])


class CacheSettingTests(ApiTestCase):
    def test_cache_url_selects_the_database_redis_or_process_memory(self):
        database = cache_from_url("", table="portal_cache")
        self.assertEqual((database["BACKEND"], database["LOCATION"]),
                         ("django.core.cache.backends.db.DatabaseCache", "portal_cache"))
        self.assertEqual(cache_from_url("redis://10.1.2.3:6379/2", table="t"), {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://10.1.2.3:6379/2"})
        self.assertEqual(cache_from_url("locmem://", table="t")["BACKEND"],
                         "django.core.cache.backends.locmem.LocMemCache")
        with self.assertRaisesMessage(ImproperlyConfiguredEnv, "CACHE_URL"):
            cache_from_url("memcached://127.0.0.1:11211", table="t")

    def test_the_settings_read_cache_url(self):
        result = run_django(
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']"
            "['LOCATION'])",
            DJANGO_SETTINGS_MODULE="portal.settings", CACHE_URL="redis://127.0.0.1:6379/3")
        self.assertEqual(result.stdout.strip(),
                         "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/3",
                         result.stderr)

    def test_a_plain_migrate_creates_the_cache_table(self):
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "fresh.sqlite3"
            result = run_django(
                "import django; django.setup(); from django.core.management import "
                "call_command; call_command('migrate', 'bases', verbosity=0)",
                DJANGO_SETTINGS_MODULE="portal.settings", DATABASE_URL=f"sqlite:///{database}")
            self.assertEqual(result.returncode, 0, result.stderr)
            with closing(sqlite3.connect(database)) as db:
                columns = [row[1] for row in db.execute("PRAGMA table_info(portal_cache)")]
        self.assertEqual(columns, ["cache_key", "value", "expires"])
