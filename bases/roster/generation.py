"""A token of the roster's state, for caches of what is read from the whole roster (the
重复入驻 count of the annex statistics' data note, reporting/statistics/roster.py).

Counting the duplicates reads every enterprise resident in the year (240,000 at 3,000 bases),
too slow for every view of the statistics page; the count is cached under this token, which
any committed change to an enterprise replaces. A random value, never a counter: a token lost
from the cache comes back as a new one, never as an old one.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

KEY = "roster:generation"


def roster_generation() -> str:
    token = cache.get(KEY)
    if token is None:
        cache.add(KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(KEY) or "unset"
    return token


def roster_changed(**_signal_arguments: object) -> None:
    """An enterprise was saved or deleted (signals), or a roster workbook imported: a new
    token at once (for reads later in the same transaction) and again once the change is
    committed (a reader in another transaction may have cached the old roster under the
    first one in between)."""
    _renew()
    transaction.on_commit(_renew)


def _renew() -> None:
    cache.set(KEY, uuid.uuid4().hex, timeout=None)
