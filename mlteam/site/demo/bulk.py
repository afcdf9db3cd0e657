"""Writing many plain rows fast, for ``seed_demo --scale``: COPY on PostgreSQL, INSERTs elsewhere.

Rows are tuples, not model instances: at a million rows, building and saving instances cost more
than the database's own work. The ids of new rows are reserved before their rows are built
(``BulkWriter.reserve_ids``), so a row can point at another new row without reading ids back.

Only for rows that need no ``save()`` logic: the caller supplies every column a field default
cannot (``auto_now`` fields included), and no signals are sent.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Model

# Rows per INSERT statement on SQLite: at most 1,000 rows and 30,000 bound values (SQLite's
# limit is 32,766 since 3.32), so a statement's parameters stay bounded.
INSERT_ROWS = 1000
INSERT_VALUES = 30_000

_RESERVE_RUNS = """
SELECT min(id), max(id) FROM (
    SELECT id, id - row_number() OVER (ORDER BY id) AS run
    FROM (SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)) drawn
) numbered
GROUP BY run ORDER BY 1
"""


class BulkTable:
    """The columns of ``model`` a caller fills per row (``columns``, attnames, ``id`` usually
    first), and constant values for all the others: the field's default unless given in
    ``constants``. Values are in the database's form (a field's ``get_db_prep_save``)."""

    def __init__(self, model: type[Model], columns: Sequence[str], **constants: Any):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = (set(columns) | set(constants)) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        rest = [f for name, f in fields.items() if name not in columns and not f.primary_key]
        self.columns = [fields[name].column for name in columns] + [f.column for f in rest]
        self.constants = tuple(
            f.get_db_prep_save(
                constants[f.attname] if f.attname in constants else f.get_default(), connection
            )
            for f in rest
        )
        # Per-row values to prepare for INSERTs (SQLite stores aware datetimes as UTC text);
        # COPY sends them as they are, typed as their columns.
        self.prepared = [
            (index, fields[name])
            for index, name in enumerate(columns)
            if fields[name].get_internal_type() == "DateTimeField"
        ]


class BulkWriter:
    """Writes rows of ``BulkTable``s inside the caller's transaction."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        self._next_id: dict[str, int] = {}
        self._types: dict[str, dict[str, int]] = {}
        self._sequences: dict[str, str] = {}

    def reserve_ids(self, model: type[Model], count: int) -> list[int]:
        """``count`` new primary keys of ``model``, unused by anyone else."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgresql:
                # Drawn from the table's own sequence, so concurrent writers get other ids; read
                # back as runs of consecutive ids (one, unless someone drew ids meanwhile), as a
                # million single ids cost seconds to fetch.
                if table not in self._sequences:
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, 'id')",
                        [connection.ops.quote_name(table)],
                    )
                    self._sequences[table] = cursor.fetchone()[0]
                cursor.execute(_RESERVE_RUNS, [self._sequences[table], count])
                return [pk for first, last in cursor.fetchall() for pk in range(first, last + 1)]
            # SQLite: the project's transactions hold the write lock from BEGIN, so nobody else
            # inserts until commit; above both the highest id and AUTOINCREMENT's high mark.
            if table not in self._next_id:
                quoted = connection.ops.quote_name(table)
                cursor.execute(
                    f"SELECT max(coalesce((SELECT max(id) FROM {quoted}), 0),"
                    " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                    [table],
                )
                self._next_id[table] = cursor.fetchone()[0] + 1
        first = self._next_id[table]
        self._next_id[table] = first + count
        return list(range(first, first + count))

    def write(self, table: BulkTable, rows: Iterable[tuple]) -> None:
        if self.postgresql:
            self._copy(table, rows)
        else:
            self._insert(table, rows)

    def _copy(self, table: BulkTable, rows: Iterable[tuple]) -> None:
        """Binary COPY: the fastest way in, with every value typed as its column is."""
        quote = connection.ops.quote_name
        columns = ", ".join(map(quote, table.columns))
        types = self._column_types(table.table)
        constants = table.constants
        with connection.cursor() as cursor:
            copy_sql = f"COPY {quote(table.table)} ({columns}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(copy_sql) as copy:
                copy.set_types([types[column] for column in table.columns])
                for row in rows:
                    copy.write_row(row + constants)

    def _column_types(self, table: str) -> dict[str, int]:
        if table not in self._types:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [connection.ops.quote_name(table)],
                )
                self._types[table] = dict(cursor.fetchall())
        return self._types[table]

    def _insert(self, table: BulkTable, rows: Iterable[tuple]) -> None:
        quote = connection.ops.quote_name
        width = len(table.columns)
        per_statement = max(1, min(INSERT_ROWS, INSERT_VALUES // width))
        one = "(" + ", ".join(["%s"] * width) + ")"
        sql = f"INSERT INTO {quote(table.table)} ({', '.join(map(quote, table.columns))}) VALUES "
        constants = list(table.constants)
        batch: list = []
        with connection.cursor() as cursor:
            for row in rows:
                row = list(row)
                for index, field in table.prepared:
                    row[index] = field.get_db_prep_save(row[index], connection)
                batch += row
                batch += constants
                if len(batch) == per_statement * width:
                    cursor.execute(sql + ", ".join([one] * per_statement), batch)
                    batch = []
            if batch:
                cursor.execute(sql + ", ".join([one] * (len(batch) // width)), batch)


@contextmanager
def keys_and_indexes_after(*models: type[Model], adding: int) -> Iterator[None]:
    """Load ``adding`` rows into each of ``models``' tables with their foreign keys checked and
    their non-unique indexes built once, after the block, rather than row by row.

    For a million results (and their latest rows) PostgreSQL otherwise checks six million keys
    one by one at commit, and updates eight indexes of scattered keys per row: together over
    two thirds of the seed's time. The keys and indexes are dropped, then created again with
    their own names and definitions (``pg_get_constraintdef``/``pg_get_indexdef``): building
    an index sorts once, and adding a key validates every row in one join; a row that breaks a
    key fails the transaction, as a check at commit would. Unique indexes and primary keys
    stay (their keys arrive in order, so they cost little, and they keep rejecting duplicates).

    Only where it pays: on PostgreSQL, and for tables holding fewer rows than are added (the
    rebuild covers the rows already there too). The price is that the tables, and the ones
    their keys point at, are locked until commit: for seeding, not a database in use. Needs the
    caller's transaction: if the block fails, rolling back restores the keys and indexes.
    """
    models = tuple(m for m in models if _rebuild_pays(m, adding))
    if not models:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("keys_and_indexes_after needs a transaction to restore what it drops.")
    quote = connection.ops.quote_name
    tables = [quote(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_KEYS, [tables])
        keys = cursor.fetchall()
        cursor.execute(_PLAIN_INDEXES, [tables])
        indexes = cursor.fetchall()
        # Keys of rows the transaction already wrote are checked now (then deferred again):
        # PostgreSQL alters no table, or table pointed at, with checks pending.
        connection.check_constraints()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def _rebuild_pays(model: type[Model], adding: int) -> bool:
    return connection.vendor == "postgresql" and model._base_manager.count() < adding


_FOREIGN_KEYS = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2
"""
# Indexes no constraint owns (so not the primary key or a UniqueConstraint), not unique.
_PLAIN_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""
