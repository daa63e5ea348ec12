"""A token of the roster's state, for caches of what is read from the whole roster (the
重复入驻 count of the annex statistics' data note, reporting/statistics/roster.py).

Counting the duplicates reads every enterprise resident in the year (240,000 at 3,000 bases),
too slow for every view of the statistics page; the count is cached under this token, which
any committed change to an enterprise replaces. A random value, never a counter: a token lost
from the cache comes back as a new one, never as an old one.
"""

from __future__ import annotations

from django.db import transaction

from portal.tokens import current_token, renew_token

KEY = "roster:generation"


def roster_generation() -> str:
    return current_token(KEY)


def roster_changed(**_signal_arguments: object) -> None:
    """An enterprise was saved or deleted (signals), or a roster workbook imported: a new
    token at once (for reads later in the same transaction) and again once the change is
    committed (a reader in another transaction may have cached the old roster under the
    first one in between)."""
    renew_token(KEY)
    transaction.on_commit(lambda: renew_token(KEY))
