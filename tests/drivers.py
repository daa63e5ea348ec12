"""A PostgreSQL driver without psycopg2's copy_expert (as psycopg 3), on any database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from django.db import DEFAULT_DB_ALIAS, connections


class _WithoutCopyExpert:
    """A DB-API cursor that is the real one in every respect but copy_expert."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        if name == "copy_expert":
            raise AttributeError(name)
        return getattr(self._cursor, name)

    def __iter__(self) -> Any:
        return iter(self._cursor)


@contextmanager
def postgresql_without_copy_expert() -> Iterator[None]:
    """The vendor is PostgreSQL's (already so on PostgreSQL), the cursors lack copy_expert:
    the code under test must take Django's generic paths, which work on either database."""
    database = connections[DEFAULT_DB_ALIAS]
    create_cursor = database.create_cursor
    with (patch.object(database, "vendor", "postgresql"),
          patch.object(database, "create_cursor",
                       lambda name=None: _WithoutCopyExpert(create_cursor(name)))):
        yield
