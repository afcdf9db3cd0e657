"""Model instances from rows that hand-written statements return (``INSERT … RETURNING``, a
joined ``SELECT``), for the few hot writes that must stay few statements and little CPU.

What the statement hands back becomes the instance the ORM would have built, converted the way
the ORM converts what it reads (a JSON column arrives as text; SQLite returns times as text).
"""

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model


def instance_from_row(
    model: type[Model], *, returned: dict[str, Any], known: dict[str, Any]
) -> Model:
    """A stored instance of ``model``. Every concrete field's attname is a key of ``returned``
    (values as the database returned them, converted here) or of ``known`` (Python values the
    caller sent, taken as they are)."""
    names, values = [], []
    for field, column, converters in _fields(model, connection.vendor):
        names.append(field.attname)
        if field.attname in known:
            values.append(known[field.attname])
            continue
        value = returned[field.attname]
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, names, values)


def select_list(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` in the table aliased ``alias``, in field order (the
    order ``instances_from_row`` reads them back in)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instances_from_row(row, *models: type[Model]) -> list[Model]:
    """One stored instance of each of ``models`` from a row that lists their ``select_list``s
    one after the other."""
    instances, start = [], 0
    for model in models:
        fields = model._meta.concrete_fields
        values = dict(
            zip((f.attname for f in fields), row[start : start + len(fields)], strict=True)
        )
        instances.append(instance_from_row(model, returned=values, known={}))
        start += len(fields)
    return instances


@cache
def _fields(model: type[Model], vendor: str) -> list[tuple]:
    """Each concrete field of ``model`` with its column and the converters ``vendor`` needs.

    Kept per database vendor, not per connection: every connection of one vendor converts alike
    (the converters read settings, not connection state)."""
    fields = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        fields.append((field, column, converters))
    return fields
