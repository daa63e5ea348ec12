"""Cache tokens: a random value in the shared cache that names the current state of
something a cached result was computed from (the bases, the roster). A writer renews the
token; results stored under the old one are never read again and expire.

Random values, never counters: a token lost from the cache (evicted, a cache restarted)
comes back as a new one, never as an old one under which stale results may still be stored.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache


def current_token(key: str) -> str:
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)  # add: two first readers agree
        token = cache.get(key) or "unset"
    return token


def renew_token(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, timeout=None)
