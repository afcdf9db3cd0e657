"""Sign-in accounts and groups (Django's ``User`` and ``Group``), changed only here.

Who can sign in, and with which rights, decides who may do everything else, so every change is
an AuditEvent ``account.changed`` naming the fields (a password change says so, never the
password), written in the same transaction. ML leads (and superuser operators, ``SYSTEM``) add
accounts and edit names, e-mail and whether an account is active; only a superuser grants or
removes admin access, superuser status, groups (the "ML leads" group makes ML leads) or
permissions, sets the password of an account with admin access, or edits groups. Accounts are
never deleted (deactivate them): audit events and the roster history point at them.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mlteam.kernel.actors import SYSTEM, actor_user
from mlteam.kernel.audit import audit_config_change
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import Conflict, InvalidInput, NotAllowed
from mlteam.roster.guards import Actor, require_roster_editor

ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "is_active")
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
RELATED_FIELDS = ("groups", "user_permissions")


def _is_superuser(actor: Actor) -> bool:
    if actor is SYSTEM:
        return True
    user = actor_user(actor)
    return user is not None and user.is_active and user.is_superuser


def _require_superuser(actor: Actor, doing: str) -> None:
    if not _is_superuser(actor):
        raise NotAllowed("not_superuser", f"Only a superuser may {doing}.")


def _audit(obj, verb: str, actor: Actor, changed, at, extra=None) -> None:
    member = getattr(obj, "member", None) if isinstance(obj, User) else None
    audit_config_change(
        action=AuditAction.ACCOUNT_CHANGED,
        obj=obj,
        verb=verb,
        actor=actor,
        changed=changed,
        at=at,
        extra=extra,
        member=member,
    )


def _username(value) -> str:
    username = (value or "").strip() if isinstance(value, str) else ""
    if not username:
        raise InvalidInput("invalid_username", "An account needs a username.")
    try:
        User.username_validator(username)
    except ValidationError:
        raise InvalidInput(
            "invalid_username",
            f"'{username}' cannot be a username: use letters, digits and @/./+/-/_ only.",
        ) from None
    return username


def account_create(
    *, actor: Actor, username: str, password: str | None, at: datetime | None = None
) -> User:
    """Add an account (``password`` None: it cannot sign in with a password until one is set).
    Side effects: AuditEvent ``account.changed`` (verb added)."""
    require_roster_editor(actor, "add sign-in accounts")
    username = _username(username)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            _audit(user, "added", actor, ["username"], at)
    except IntegrityError:
        raise Conflict("duplicate_username", f"An account named '{username}' exists.") from None
    return user


def _related_ids(user: User, name: str) -> set[int]:
    return set(getattr(user, name).values_list("pk", flat=True))


def _changed_fields(user: User, changes: dict) -> list[str]:
    changed = []
    for name in (*ACCOUNT_FIELDS, *PRIVILEGE_FIELDS):
        if name not in changes:
            continue
        if name in RELATED_FIELDS:
            if {item.pk for item in changes[name]} != _related_ids(user, name):
                changed.append(name)
        elif getattr(user, name) != changes[name]:
            changed.append(name)
    return changed


def account_update(*, user: User, actor: Actor, changes: dict, at: datetime | None = None) -> User:
    """Change an account's details, flags, groups or permissions (``groups`` and
    ``user_permissions`` are the complete new sets). Side effects: AuditEvent
    ``account.changed`` naming the fields, with the new flags; nothing changed, nothing written.
    """
    require_roster_editor(actor, "edit sign-in accounts")
    unknown = sorted(set(changes) - {*ACCOUNT_FIELDS, *PRIVILEGE_FIELDS})
    if unknown:
        raise InvalidInput("not_editable", f"{', '.join(unknown)} cannot be changed here.")
    stored = User.objects.get(pk=user.pk)  # the admin's form may already have set new values
    changed = _changed_fields(stored, changes)
    if not changed:
        return stored
    if set(changed) & set(PRIVILEGE_FIELDS) or stored.is_superuser:
        _require_superuser(actor, "change admin access, groups or permissions, or a superuser")
    if "username" in changed:
        changes = {**changes, "username": _username(changes["username"])}
    at = at or timezone.now()
    try:
        with transaction.atomic():
            plain = [name for name in changed if name not in RELATED_FIELDS]
            for name in plain:
                setattr(stored, name, changes[name])
            if plain:
                stored.save(update_fields=plain)
            for name in set(changed) & set(RELATED_FIELDS):
                getattr(stored, name).set(changes[name])
            flags = {name: changes[name] for name in changed if name.startswith("is_")}
            _audit(stored, "changed", actor, changed, at, extra=flags)
    except IntegrityError:
        raise Conflict("duplicate_username", "Another account has that username.") from None
    return stored


def account_password_set(
    *, user: User, actor: Actor, password: str | None, at: datetime | None = None
) -> User:
    """Set an account's password (``None``: disable password sign-in). Side effects: AuditEvent
    ``account.changed`` naming ``password`` — never the password."""
    require_roster_editor(actor, "set passwords")
    if user.is_staff or user.is_superuser:
        _require_superuser(actor, "set the password of an account with admin access")
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
        _audit(user, "changed", actor, ["password"], at or timezone.now())
    return user


def group_create(
    *, actor: Actor, name: str, permissions: Iterable[Permission] = (), at=None
) -> Group:
    """Add a group (its permissions apply to its members). Side effects: ``account.changed``."""
    _require_superuser(actor, "add groups")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("invalid_name", "A group needs a name.")
    try:
        with transaction.atomic():
            group = Group.objects.create(name=name)
            group.permissions.set(permissions)
            fields = ["name", "permissions"] if permissions else ["name"]
            _audit(group, "added", actor, fields, at or timezone.now())
    except IntegrityError:
        raise Conflict("duplicate_group", f"A group named '{name}' exists.") from None
    return group


def group_update(*, group: Group, actor: Actor, changes: dict, at=None) -> Group:
    """Rename a group or replace its permissions. Side effects: ``account.changed`` naming the
    fields; nothing changed, nothing written."""
    _require_superuser(actor, "edit groups")
    unknown = sorted(set(changes) - {"name", "permissions"})
    if unknown:
        raise InvalidInput("not_editable", f"{', '.join(unknown)} cannot be changed here.")
    stored = Group.objects.get(pk=group.pk)
    changed = []
    if "name" in changes and changes["name"] != stored.name:
        changed.append("name")
    current = set(stored.permissions.values_list("pk", flat=True))
    if "permissions" in changes and {p.pk for p in changes["permissions"]} != current:
        changed.append("permissions")
    if not changed:
        return stored
    try:
        with transaction.atomic():
            if "name" in changed:
                stored.name = (changes["name"] or "").strip() or stored.name
                stored.save(update_fields=["name"])
            if "permissions" in changed:
                stored.permissions.set(changes["permissions"])
            _audit(stored, "changed", actor, changed, at or timezone.now())
    except IntegrityError:
        raise Conflict("duplicate_group", "Another group has that name.") from None
    return stored


def group_delete(*, group: Group, actor: Actor, at=None) -> None:
    """Delete a group (its members lose its rights). Side effects: ``account.changed``."""
    _require_superuser(actor, "delete groups")
    with transaction.atomic():
        _audit(group, "deleted", actor, [], at or timezone.now())
        group.delete()
