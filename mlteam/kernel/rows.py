"""Model instances from rows that hand-written statements return (``INSERT … RETURNING``, a
joined ``SELECT``), for the few hot writes that must stay few statements and little CPU.

What the statement hands back becomes the instance the ORM would have built, converted the way
the ORM converts what it reads (a JSON column arrives as text; SQLite returns times as text).
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Model, signals


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


def row_insert(instance: Model, using: str = "default") -> Model:
    """Insert the new, unsaved ``instance`` as ``save(force_insert=True)`` would, for the hot
    writes whose row is plain: the same ``pre_save``/``post_save`` signals, the fields' own
    ``pre_save`` (``auto_now_add``) and database preparation, the auto primary key read back
    with ``RETURNING``. Not for a model with parents or whose ``save()`` adds work on insert.

    Why: ``Model.save()`` builds and compiles its INSERT again for every row, which costs more
    CPU than the round trip; the statement here is the same text for every row of the model
    (compiled once per model and database vendor).
    """
    connection = connections[using]
    model = type(instance)
    sql, fields, returns = _insert_statement(model, connection.vendor)
    if returns is None or (returns.pk and instance.pk is not None):
        instance.save(force_insert=True, using=using)  # what this shortcut does not cover
        return instance
    meta = model._meta
    instance._prepare_related_fields_for_save(operation_name="save")  # refuses unsaved ones
    signals.pre_save.send(
        sender=model, instance=instance, raw=False, using=using, update_fields=None
    )
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returns.pk:
            (value,) = cursor.fetchone()
            for convert in returns.converters:
                value = convert(value, returns.column, connection)
            setattr(instance, meta.pk.attname, value)
    instance._state.adding, instance._state.db = False, using
    signals.post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using
    )
    return instance


@dataclass(frozen=True)
class _Returning:
    pk: bool  # the auto primary key comes back from the INSERT
    column: Any = None
    converters: tuple = ()


@cache
def _insert_statement(model: type[Model], vendor: str) -> tuple[str, list, _Returning | None]:
    """The INSERT of every concrete field (but an auto primary key, which it returns), and
    whether ``row_insert`` covers ``model`` (``None``: it does not)."""
    meta = model._meta
    auto = meta.auto_field
    plain = (
        not meta.parents
        and not any(f.generated or f.has_db_default() for f in meta.local_concrete_fields)
        and (auto is None or connection.features.can_return_columns_from_insert)
    )
    if not plain:
        return "", [], None
    fields = [f for f in meta.local_concrete_fields if f is not auto]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
    if auto is None:
        return sql, fields, _Returning(pk=False)
    column = auto.get_col(meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    return f"{sql} RETURNING {quote(auto.column)}", fields, _Returning(True, column, converters)
