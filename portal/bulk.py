"""Bulk writes of plain rows, for imports of tens of thousands of records.

bulk_create and bulk_update build a model instance per row and prepare every value through
its field: for a 20,000-row roster that is most of the import's time, and bulk_update's CASE
per field grows with the square of the batch. Here rows are plain tuples. On PostgreSQL
each chunk is one statement whose columns arrive as arrays, each sent as one literal
(INSERT ... SELECT FROM unnest, RETURNING the new ids in the rows' order; UPDATE ... FROM
unnest); elsewhere (SQLite in the tests) the same rows go through bulk_create and
bulk_update, so both paths give the same database state.

Callers give the values, auto_now fields included (nothing is computed for them; a field
left out gets its model default), as the Python value of the field (date, Decimal, dict
for JSON, id for a foreign key `<name>_id`).

The PostgreSQL paths need psycopg2 (its cursor's copy_expert). Under another PostgreSQL
driver (psycopg 3) every function here still writes the same rows, through Django's
bulk_create and bulk_update, several times slower, and says so in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

#: Rows per statement.
CHUNK = 5000
#: Characters of COPY text handed to the driver per read.
COPY_BLOCK = 1 << 16

logger = logging.getLogger(__name__)


def native_postgresql() -> bool:
    """PostgreSQL through psycopg2: the fast paths below (unnest arrays, COPY) apply.

    False elsewhere; on PostgreSQL through a driver without copy_expert also False, with a
    warning, so that a slow import is never a silent one."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if hasattr(cursor.cursor, "copy_expert"):
            return True
        driver = type(cursor.cursor).__qualname__
    logger.warning("PostgreSQL COPY unavailable: the driver's cursor (%s) has no copy_expert "
                   "(psycopg2 only); writing with Django's bulk_create and bulk_update "
                   "(batched INSERTs), several times slower", driver)
    return False


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The fields named by their names or attnames (base or base_id)."""
    return [model._meta.get_field(name) for name in names]


def _array_type(field: models.Field) -> str:
    # A foreign key's db_type is its target's column type.
    return field.db_type(connection) or "text"


#: Fields whose values str() writes as their type's input reads them: texts, numbers, ids,
#: dates, datetimes (ISO with their offset), times, UUIDs.
_PLAIN_TEXT = (models.CharField, models.TextField, models.IntegerField, models.DecimalField,
               models.FloatField, models.DateField, models.TimeField, models.UUIDField,
               models.ForeignKey)
#: A JSON column arrives as one JSON array (one json.dumps for the chunk, not one per value)
#: and becomes a jsonb[]; a JSON null is SQL NULL, as Django stores None.
_JSON_ARRAY = ("ARRAY(SELECT NULLIF(e, 'null') FROM jsonb_array_elements(%s::jsonb) "
               "WITH ORDINALITY AS t(e, n) ORDER BY n)")


def _boolean_text(value: object) -> str:
    return "t" if value else "f"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(field: models.Field, column: list) -> str | list:
    """The column as one PostgreSQL array literal ('{"a","b",NULL}'), or the list itself for
    a field this does not write (psycopg2 then adapts it).

    psycopg2 sends a list as ARRAY['a', 'b', ...]: it quotes every value in Python and
    PostgreSQL parses and plans one constant per value, about 0.3 s of each 5,000-row
    statement (most of a 10,000-row import's time). One literal is a single constant that
    the element type's input function reads."""
    if isinstance(field, models.BooleanField):
        text = _boolean_text
    elif isinstance(field, _PLAIN_TEXT):
        text = str
    else:
        return column
    first = column[0]
    if column.count(first) == len(column):  # the base, the actor, now: written once
        element = "NULL" if first is None else _quoted(text(first))
        return "{" + ",".join([element] * len(column)) + "}"
    texts = [None if value is None else text(value) for value in column]
    nulls = None in texts
    present = [each for each in texts if each is not None] if nulls else texts
    joined = "".join(present)
    if "\\" in joined or '"' in joined:  # one look over the column: rare in names and notes
        texts = [None if each is None else each.replace("\\", "\\\\").replace('"', '\\"')
                 for each in texts]
    if not nulls:
        return '{"' + '","'.join(texts) + '"}'
    return "{" + ",".join("NULL" if each is None else f'"{each}"' for each in texts) + "}"


def _unnest(fields: list[models.Field], rows: Sequence[Sequence]) -> tuple[str, list]:
    sources, params = [], []
    for field, values in zip(fields, zip(*rows, strict=True), strict=True):
        column = list(values)
        if isinstance(field, models.JSONField):
            sources.append(_JSON_ARRAY)
            params.append(json.dumps(column, cls=DjangoJSONEncoder, ensure_ascii=False))
        else:
            sources.append(f"%s::{_array_type(field)}[]")
            params.append(_array_literal(field, column))
    return f"unnest({', '.join(sources)})", params


def _bulk_create(model: type[models.Model], names: Sequence[str],
                 rows: Sequence[Sequence]) -> list[int]:
    objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=1000)
    return [obj.pk for obj in objects]


def _bulk_update(model: type[models.Model], names: Sequence[str],
                 rows: Sequence[Sequence]) -> None:
    objects = []
    for pk, *values in rows:
        obj = model(pk=pk)
        for name, value in zip(names, values, strict=True):
            setattr(obj, name, value)
        objects.append(obj)
    model.objects.bulk_update(objects, list(names), batch_size=200)


def insert_rows(model: type[models.Model], names: Sequence[str],
                rows: Sequence[Sequence]) -> list[int]:
    """Insert `rows` (tuples in the order of `names`); the new primary keys, in order."""
    if not rows:
        return []
    if not native_postgresql():
        return _bulk_create(model, names, rows)
    fields = _columns(model, names)
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
            source, params = _unnest(fields, rows[start:start + CHUNK])
            # WITH ORDINALITY and ORDER BY: the ids come back in the rows' order.
            cursor.execute(
                f"INSERT INTO {table} ({targets}) SELECT {targets} FROM (SELECT * FROM "
                f"{source} WITH ORDINALITY AS v({targets}, n) ORDER BY n) AS v RETURNING "
                f"{connection.ops.quote_name(model._meta.pk.column)}", params)
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_rows(model: type[models.Model], names: Sequence[str],
                rows: Sequence[Sequence]) -> None:
    """Update rows given as (pk, *values in the order of `names`)."""
    if not rows:
        return
    if not native_postgresql():
        _bulk_update(model, names, rows)
        return
    fields = _columns(model, names)
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


# --- COPY ----------------------------------------------------------------------------------
# The unnest statements above still make PostgreSQL parse one array literal per column
# and plan a statement per chunk; COPY streams tab-separated text that PostgreSQL reads
# natively, for the largest writes (a roster's enterprises, figures and history; a data
# workbook's 300,000 report values and their transitions).

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_JSON = DjangoJSONEncoder(ensure_ascii=False)


class JSONText(str):
    """A JSON document already encoded, for a JSONField of `copy_rows`: written as it is
    (tens of thousands of history records from one template each, instead of a dict each
    encoded again)."""


def _decoded(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence],
             *, skip: int = 0) -> Sequence[Sequence]:
    """`rows` (their first `skip` values not named) with their JSONText values back as
    Python values: the paths that are not COPY take those."""
    positions = [skip + i for i, name in enumerate(names)
                 if isinstance(model._meta.get_field(name), models.JSONField)]
    if not positions:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i in positions:
            if type(row[i]) is JSONText:
                row[i] = json.loads(row[i])
        out.append(row)
    return out


def _escaped(texts: list[str | None]) -> list[str]:
    """Texts for COPY (None: \\N), backslash, tab and line breaks escaped. One look over the
    whole column first: names and JSON rarely hold any of them."""
    joined = "".join(filter(None, texts))
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return ["\\N" if text is None else text.translate(_COPY_ESCAPES) for text in texts]
    return ["\\N" if text is None else text for text in texts]


def copy_texts(field: models.Field, column: Sequence) -> list[str]:
    """The values of `field` as COPY's text format writes them."""
    if isinstance(field, models.JSONField):
        return _escaped([None if value is None else value if type(value) is JSONText
                         else _JSON.encode(value) for value in column])
    if isinstance(field, models.BooleanField):
        return ["\\N" if value is None else ("t" if value else "f") for value in column]
    if isinstance(field, models.CharField | models.TextField):
        return _escaped(list(column))
    # Numbers, dates, datetimes (ISO, with their offset), foreign keys: each distinct value
    # converted once (an import repeats its actor, time, year and dates on every row). Equal
    # values of one column are stored equal, whichever of them gives the text.
    texts: dict[object, str] = {None: "\\N"}
    out = []
    for value in column:
        text = texts.get(value)
        if text is None:
            text = texts[value] = str(value)
        out.append(text)
    return out


def _copy_lines(fields: list[models.Field], rows: Sequence[Sequence]) -> Iterator[str]:
    columns = [copy_texts(field, column)
               for field, column in zip(fields, zip(*rows, strict=True), strict=True)]
    return ("\t".join(line) + "\n" for line in zip(*columns, strict=True))


class _Reader:
    """What psycopg2's copy_expert reads from: the text blocks, joined as they are read.

    The server inserts while Python formats the next block, and the rows never exist as one
    string (300,000 report values would be some 50 MB)."""

    def __init__(self, blocks: Iterable[str]) -> None:
        self.blocks = iter(blocks)

    def read(self, size: int = -1) -> str:
        parts: list[str] = []
        total = 0
        for block in self.blocks:
            parts.append(block)
            total += len(block)
            if 0 <= size <= total:
                break
        return "".join(parts)


def _copy(cursor: Any, table: str, columns: Sequence[str], blocks: Iterable[str]) -> None:
    """COPY `blocks` into the quoted `table`'s quoted `columns`."""
    # The block size positionally: Django's debug cursor passes on no keyword arguments.
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _Reader(blocks),
                       COPY_BLOCK)


def copy_lines(model: type[models.Model], names: Sequence[str], blocks: Iterable[str]) -> None:
    """COPY `blocks` of text (whole lines: the fields in the order of `names`, in COPY's
    text format, e.g. from `copy_texts`) into the model's table, as they are produced.

    For a caller that formats its own rows; only where `native_postgresql()`."""
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in _columns(model, names)]
    with connection.cursor() as cursor:
        _copy(cursor, quote(model._meta.db_table), columns, blocks)


def copy_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence],
              *, returning: bool = True) -> list[int]:
    """`insert_rows` through COPY on PostgreSQL: the new primary keys, in the rows' order
    (none with returning=False).

    The keys are taken from the table's sequence first (one query), so COPY, which returns
    nothing, writes them itself; without `returning` the column default gives them.
    Elsewhere: `insert_rows`."""
    if not rows:
        return []
    if not native_postgresql():
        ids = _bulk_create(model, names, _decoded(model, names, rows))
        return ids if returning else []
    fields = _columns(model, names)
    defaults = [field for field in model._meta.concrete_fields
                if field not in fields and not field.primary_key]
    extra = tuple(field.get_default() for field in defaults)
    pk = model._meta.pk
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [pk, *fields, *defaults] if returning else [*fields, *defaults]
    targets = [connection.ops.quote_name(field.column) for field in columns]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM "
                           "generate_series(1, %s)", [model._meta.db_table, pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            rows = [(key, *row, *extra) for key, row in zip(ids, rows, strict=True)]
        elif extra:
            rows = [(*row, *extra) for row in rows]
        _copy(cursor, table, targets, _copy_lines(columns, rows))
    return ids


def copy_update_rows(model: type[models.Model], names: Sequence[str],
                     rows: Sequence[Sequence]) -> None:
    """`update_rows` through COPY on PostgreSQL: the rows go to a temporary table, then one
    UPDATE joins it on the key. Elsewhere: `update_rows`."""
    if not rows:
        return
    if not native_postgresql():
        _bulk_update(model, names, _decoded(model, names, rows, skip=1))
        return
    fields = _columns(model, names)
    pk = model._meta.pk
    table = connection.ops.quote_name(model._meta.db_table)
    staging = connection.ops.quote_name(f"copy_{model._meta.db_table}")
    quoted = [connection.ops.quote_name(field.column) for field in [pk, *fields]]
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted[1:])
    with transaction.atomic(), connection.cursor() as cursor:
        # Same columns and types as the table, none of its constraints or indexes.
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} AS "
                       f"SELECT {', '.join(quoted)} FROM {table} WITH NO DATA")
        _copy(cursor, staging, quoted, _copy_lines([pk, *fields], rows))
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {staging} AS v "
                       f"WHERE {table}.{quoted[0]} = v.{quoted[0]}")
        cursor.execute(f"DROP TABLE {staging}")
