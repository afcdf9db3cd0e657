"""Model instances from rows a hand-written statement returned (``INSERT … RETURNING``).

Writes that must stay few statements (registering a version) insert with plain SQL; what the
statement hands back becomes the instance the ORM would have built, converted the way the ORM
converts what it reads (a JSON column arrives as text; SQLite returns times as text).
"""

from typing import Any

from django.db import connection
from django.db.models import Model


def instance_from_row(
    model: type[Model], *, returned: dict[str, Any], known: dict[str, Any]
) -> Model:
    """A stored instance of ``model``. Every concrete field's attname is a key of ``returned``
    (values as the database returned them, converted here) or of ``known`` (Python values the
    caller sent, taken as they are)."""
    opts = model._meta
    names, values = [], []
    for field in opts.concrete_fields:
        names.append(field.attname)
        if field.attname in known:
            values.append(known[field.attname])
            continue
        value, column = returned[field.attname], field.get_col(opts.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, names, values)
