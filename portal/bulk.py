"""Bulk writes of plain rows, for imports of tens of thousands of records.

bulk_create and bulk_update build a model instance per row and prepare every value through
its field: for a 20,000-row roster that is most of the import's time, and bulk_update's CASE
per field grows with the square of the batch. Here rows are plain tuples. On PostgreSQL
each chunk is one statement whose columns arrive as arrays (INSERT ... SELECT FROM unnest,
RETURNING the new ids in the rows' order; UPDATE ... FROM unnest); elsewhere (SQLite in the
tests) the same rows go through bulk_create and bulk_update, so both paths give the same
database state.

Callers give the values, auto_now fields included (nothing is computed for them; a field
left out gets its model default), as the Python value of the field (date, Decimal, dict
for JSON, id for a foreign key `<name>_id`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

#: Rows per statement.
CHUNK = 5000


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The fields named by their names or attnames (base or base_id)."""
    return [model._meta.get_field(name) for name in names]


def _array_type(field: models.Field) -> str:
    # A foreign key's db_type is its target's column type.
    return field.db_type(connection) or "text"


def _prepare(field: models.Field, column: list) -> list:
    if isinstance(field, models.JSONField):
        return [None if value is None else json.dumps(value, cls=DjangoJSONEncoder,
                                                      ensure_ascii=False)
                for value in column]
    return column


def _constant(field: models.Field, column: list) -> bool:
    """Every value of the column is the same, as the database would store it (a JSON value
    only when it is the very same object: {"a": 1} == {"a": 1.0} in Python, not in jsonb)."""
    first = column[0]
    if isinstance(field, models.JSONField):
        return all(value is first for value in column)
    kind = type(first)
    return all(value is first or (type(value) is kind and value == first) for value in column)


def _unnest(fields: list[models.Field], rows: Sequence[Sequence]) -> tuple[str, list]:
    columns = [list(column) for column in zip(*rows, strict=True)]
    params = [_prepare(field, column) for field, column in zip(fields, columns, strict=True)]
    casts = ", ".join(f"%s::{_array_type(field)}[]" for field in fields)
    return f"unnest({casts})", params


def insert_rows(model: type[models.Model], names: Sequence[str],
                rows: Sequence[Sequence]) -> list[int]:
    """Insert `rows` (tuples in the order of `names`); the new primary keys, in order."""
    if not rows:
        return []
    fields = _columns(model, names)
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=1000)
        return [obj.pk for obj in objects]
    # Fields left out get their model default, as bulk_create would give them.
    defaults = [field for field in model._meta.concrete_fields
                if field not in fields and not field.primary_key]
    if defaults:
        fields += defaults
        extra = tuple(field.get_default() for field in defaults)
        rows = [(*row, *extra) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    targets = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            # A column with one value for every row (a timestamp, a default, the actor)
            # goes once as a scalar: as an array the server parses it once per row, which
            # made a 6,000-row insert six times slower.
            columns = [list(column) for column in zip(*chunk, strict=True)]
            arrays = [index for index, column in enumerate(columns)
                      if index == 0 or not _constant(fields[index], column)]
            source, params = _unnest([fields[index] for index in arrays],
                                     [tuple(row[index] for index in arrays) for row in chunk])
            aliases = {index: f"c{index}" for index in arrays}
            select, scalars = [], []
            for index, field in enumerate(fields):
                if index in aliases:
                    select.append(aliases[index])
                else:
                    select.append(f"%s::{_array_type(field)}")
                    scalars.append(_prepare(field, [columns[index][0]])[0])
            # WITH ORDINALITY and ORDER BY: the ids come back in the rows' order.
            cursor.execute(
                f"INSERT INTO {table} ({targets}) SELECT {', '.join(select)} FROM (SELECT * "
                f"FROM {source} WITH ORDINALITY AS v({', '.join(aliases.values())}, n) "
                f"ORDER BY n) AS v "
                f"RETURNING {connection.ops.quote_name(model._meta.pk.column)}",
                [*scalars, *params])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_rows(model: type[models.Model], names: Sequence[str],
                rows: Sequence[Sequence]) -> None:
    """Update rows given as (pk, *values in the order of `names`)."""
    if not rows:
        return
    fields = _columns(model, names)
    if connection.vendor != "postgresql":
        objects = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for name, value in zip(names, values, strict=True):
                setattr(obj, name, value)
            objects.append(obj)
        model.objects.bulk_update(objects, list(names), batch_size=200)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    quoted = [connection.ops.quote_name(field.column) for field in fields]
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted)
    alias = ", ".join(["v_pk", *quoted])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            source, params = _unnest([pk, *fields], rows[start:start + CHUNK])
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {source} AS v({alias}) "
                           f"WHERE {table}.{connection.ops.quote_name(pk.column)} = v.v_pk",
                           params)
