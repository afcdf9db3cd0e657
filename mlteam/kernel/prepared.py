"""Hot reads compiled to SQL once per database connection, then run with new values.

The ORM builds and compiles the same query again on every request: for a point read served
from an index that is most of the request's CPU (building the annotated queryset, resolving its
expressions, compiling them to SQL — about a millisecond of a three-millisecond API read). A
``PreparedRead`` keeps the ORM as the one definition of the query: ``build`` is an ordinary
``values()`` queryset, called once per connection with a *marker* for each value that changes,
and compiled; later runs put the values where the markers were and apply the ORM's own
converters (SQLite's datetimes, decimals) to the rows.

On PostgreSQL the statement is also prepared on the server (``DB_PREPARED_STATEMENTS``, on by
default): planning these point reads costs PostgreSQL several times what running them does
(≈1–2 ms against 0.1–0.2 ms, EXPLAIN ANALYZE on the benchmark database), and a statement prepared
on a persistent connection is planned once, not once a request.

``build`` must depend on nothing but its arguments: anything else it reads (``now()``, a
setting) is frozen into the SQL the first time.

A ``prefix`` argument is the value of a ``__startswith`` lookup: it is escaped for ``LIKE`` as the
ORM would. Such a read binds its values on the client (``bind_on_server=False``): PostgreSQL can
use a pattern index for ``LIKE 'abc%'`` only when it plans with the value itself, which a generic
plan never has. It still saves building and compiling the query each time.
"""

import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

# Values no caller sends, so each one's place among the compiled parameters is unambiguous.
TEXT_MARKER = "\x00prepared:{}\x00"
# Inside every integer column's range (the ORM turns an out-of-range lookup into "no rows").
INT_MARKER_BASE = 2_147_480_000
DATETIME_MARKER_BASE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
KINDS = ("text", "int", "datetime", "prefix")


class PreparedRead:
    """``PreparedRead(build, name="text", version="int")`` then ``.rows(name=…, version=…)``.

    Each keyword names one argument of ``build`` and its kind: ``text``, ``int``,
    ``datetime`` (an aware datetime compared with a DateTimeField: the database's adapter
    converts it, as the ORM would) or ``prefix`` (text for ``__startswith``).
    """

    def __init__(
        self, build: Callable[..., QuerySet], *, bind_on_server: bool = True, **kinds: str
    ):
        unknown = set(kinds.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"argument kinds are {KINDS}, not {sorted(unknown)}")
        if "prefix" in kinds.values() and bind_on_server:
            raise ValueError("a prefix read binds on the client: bind_on_server=False")
        self.build = build
        self.bind_on_server = bind_on_server
        self.kinds = kinds
        self.markers = {name: _marker(kind, i) for i, (name, kind) in enumerate(kinds.items())}
        self._compiled = weakref.WeakKeyDictionary()

    def rows(self, using: str = "default", **values) -> list[dict]:
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(using)
        sql, template, slots, names, converters = compiled
        params = list(template)
        for position, name, wrap in slots:
            kind = self.kinds[name]
            if kind == "datetime":
                params[position] = connection.ops.adapt_datetimefield_value(values[name])
            elif kind == "prefix":
                params[position] = connection.ops.prep_for_like_query(values[name]) + "%"
            else:
                params[position] = wrap(values[name]) if kind == "int" else values[name]
        with _cursor(connection, self.bind_on_server) as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        for row_index, row in enumerate(fetched):
            if converters:
                row = list(row)
                for position, (functions, expression) in converters.items():
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            fetched[row_index] = dict(zip(names, row, strict=True))
        return fetched

    def _compile(self, using: str):
        queryset = self.build(**self.markers)
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        by_marker = {
            self._adapted(marker, name, compiler.connection): name
            for name, marker in self.markers.items()
        }
        # (position, name, the type the ORM gave the value: psycopg's Int4/Int8 for integers)
        slots = [
            (i, by_marker[p], type(p)) for i, p in enumerate(params) if _is_marker(p, by_marker)
        ]
        missing = set(self.markers) - {name for _, name, _ in slots}
        if missing:
            raise ValueError(f"{sorted(missing)} do not reach the query's parameters")
        names = list(
            query.selected or [*query.extra_select, *query.values_select, *query.annotation_select]
        )
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        return sql, tuple(params), slots, names, converters

    def _adapted(self, marker, name: str, connection):
        if self.kinds[name] == "datetime":
            return connection.ops.adapt_datetimefield_value(marker)
        if self.kinds[name] == "prefix":  # how the ORM passes a __startswith value
            return connection.ops.prep_for_like_query(marker) + "%"
        return marker


def _cursor(connection, bind_on_server: bool = True):
    """A cursor through Django (health check, error wrapping, query logging); on PostgreSQL one
    that binds parameters on the server, so psycopg prepares a statement it sees again
    (``prepare_threshold``). The rest of the app keeps Django's client-side binding.

    While queries are logged (DEBUG, ``CaptureQueriesContext``) the values are bound on the
    client, as everywhere else: the log can then show the statement that ran, which Django
    cannot tell for a prepared one.
    """
    server_side = (
        bind_on_server and connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS
    )
    if not server_side or connection.queries_logged:
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()  # first: it may replace the connection
    connection.ensure_connection()
    raw = connection.connection
    usual = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor  # this connection is this thread's alone
    try:
        return connection.cursor()
    finally:
        raw.cursor_factory = usual


def _marker(kind: str, index: int):
    if kind in ("text", "prefix"):
        return TEXT_MARKER.format(index)
    if kind == "int":
        return INT_MARKER_BASE + index
    return DATETIME_MARKER_BASE + timedelta(microseconds=index + 1)


def _is_marker(param, by_marker: dict) -> bool:
    # True == 1: a bool must never be taken for an integer marker.
    return (
        isinstance(param, str | int | datetime)
        and not isinstance(param, bool)
        and (param in by_marker)
    )
