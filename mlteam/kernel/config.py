"""What configuration services share: which of the given fields really change.

Configuration (handoff protocols and their criteria, roles, team interactions, model consumers)
is edited by services that list the changed fields in their ``config.changed`` /
``protocol.changed`` audit event, in the model's field order.
"""

from collections.abc import Iterable

from django.db import models

from mlteam.kernel.errors import InvalidInput


def fields_set(model: type[models.Model], values: dict, allowed: Iterable[str]) -> list[str]:
    """The fields of a new row that differ from their default (what an add form "changed")."""
    names = []
    for name in allowed:
        if name not in values:
            continue
        default = model._meta.get_field(name).get_default()
        if values[name] not in (None, "") and values[name] != default:
            names.append(name)
    return names


def fields_changed(obj: models.Model, changes: dict, allowed: Iterable[str]) -> list[str]:
    """The fields ``changes`` really changes on ``obj``; unknown fields are refused."""
    allowed = list(allowed)
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput("unknown_change", f"Cannot change {', '.join(sorted(unknown))} here.")
    return [name for name in allowed if name in changes and getattr(obj, name) != changes[name]]
