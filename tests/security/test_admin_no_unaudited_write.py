"""No unaudited write anywhere in the admin.

For every ModelAdmin of the project's admin site, as a superuser who is also an ML lead: the
changelist, the add form and the change form of a real object load; the add form is posted with
valid values, the change form once unchanged and then once per editable control with that one
control changed (text gets "x" appended, numbers move, checkboxes flip, selects pick another
option; inline rows too); every admin action runs on the object; the object is deleted. After
each POST the whole database (every table but the audit trail and Django's own logs) is
compared with before: either nothing changed (refused: a form error, a message, 403, or the
field is not in the form) or an AuditEvent was written in the same request.

``MUST_SAVE`` / ``MUST_ADD`` pin edits that are expected to succeed (each audited), so the walk
cannot pass by refusing everything.
"""

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from mlteam.api.services import token_create
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.notifications.services import event_dispatch, webhook_create
from mlteam.registry import services
from mlteam.registry.models import ModelArtifact, PromotionRequest
from mlteam.roster import accounts
from mlteam.roster.enums import InteractionMode
from mlteam.roster.models import MLTeamMember, Team
from mlteam.roster.services import (
    model_consumer_add,
    orientation_target_set,
    team_interaction_add,
)
from mlteam.tracking.services import experiment_create, run_log_metrics, run_start

pytestmark = pytest.mark.django_db

# Not domain state: Django's admin log, sessions, queued background tasks — and the audit trail.
UNWATCHED = {"admin.logentry", "sessions.session", "django_tasks_database.dbtaskresult"}
UNWATCHED_AUDIT = "kernel.auditevent"
# Admins whose model the world has no row of (their change form and delete are not walked).
NO_OBJECT = {"django_tasks_database.dbtaskresult"}

# Edits that must go through (audited); the walk fails if they are refused instead.
MUST_SAVE = {
    "registry.modelartifact": {"description"},
    "registry.model": {"task", "description"},
    "registry.handoffprotocol": {"description"},
    "cards.modelcard": {"summary"},
    "evals.benchmark": {"name"},
    "roster.team": {"mission"},
    "roster.role": {"description"},
    "roster.mlteammember": {"role"},
    "roster.orientationtarget": {"tolerance"},
    "roster.teaminteraction": {"description"},
    "roster.modelconsumer": {"note"},
    "notifications.webhooksubscription": {"description"},
    "auth.user": {"first_name", "is_staff"},
    "auth.group": {"name"},
}
MUST_ADD = {"registry.model", "roster.role", "auth.user", "auth.group", "evals.benchmark"}
ROW = re.compile(r"^(?P<prefix>.+)-(?P<index>\d+)-(?P<field>.+)$")
SKIPPED_INPUTS = {"submit", "button", "image", "file", "reset"}


# --- The organisation: one row of every model the admin shows --------------------------------


@dataclass
class Organisation:
    objects: dict  # model label -> the object whose change form is walked
    actor: User


@pytest.fixture
def organisation(world) -> Organisation:
    production = world.in_production()
    pending = services.promotion_request(
        artifact=world.passing_evals(world.register()),
        to_stage=Stage.STAGING,
        actor=world.requester,
    )
    platform = Team.objects.get(slug="ml-platform")
    search = Team.objects.get(slug="search")
    target = orientation_target_set(
        team=world.team, actor=world.lead, target_share=Decimal("0.4"), tolerance=Decimal("0.1")
    )
    interaction = team_interaction_add(
        from_team=world.team,
        to_team=platform,
        mode=InteractionMode.X_AS_A_SERVICE,
        actor=world.lead,
        description="serving",
    )
    consumer = model_consumer_add(
        team=search, model=world.model, actor=world.lead, since=date(2026, 1, 5), note="intent"
    )
    hook = webhook_create(actor=world.lead, url="https://hooks.example.com/x").subscription
    event_dispatch(event_id=world.register().events.order_by("pk").first().pk)
    token, _ = token_create(user=world.owner.user, name="pipeline")
    experiment = experiment_create(name="tuning", team=world.team, owner=world.owner)
    run = run_start(experiment=experiment, name="r1", actor=world.owner)
    run_log_metrics(run=run, key="loss", values=[(0, 0.5)], actor=world.owner)
    group = accounts.group_create(actor=SYSTEM, name="Reviewers")
    User.objects.create_user("newcomer")  # someone the member add form can add
    lockout = AccessAttempt.objects.create(  # a locked-out sign-in, for the lift action
        username=world.owner.user.username,
        ip_address="10.0.0.1",
        user_agent="browser",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    world.lead.user.is_staff = world.lead.user.is_superuser = True
    world.lead.user.save()
    objects = {
        "registry.modelartifact": production,
        "registry.promotionrequest": pending,
        "registry.model": world.model,
        "roster.mlteammember": world.outsider,
        "roster.orientationtarget": target,
        "roster.teaminteraction": interaction,
        "roster.modelconsumer": consumer,
        "roster.team": world.team,
        "notifications.webhooksubscription": hook,
        "api.apitoken": token,
        "tracking.run": run,
        "auth.user": world.owner.user,
        "auth.group": group,
        "axes.accessattempt": lockout,
    }
    assert ModelArtifact.objects.get(pk=production.pk).status == Stage.PRODUCTION
    return Organisation(objects=objects, actor=world.lead.user)


def object_of(organisation: Organisation, model):
    label = model._meta.label_lower
    if label in organisation.objects:
        return organisation.objects[label]
    return model._default_manager.order_by("pk").first()


# --- Watching the database --------------------------------------------------------------------


def watched_tables() -> list[tuple[str, str]]:
    tables = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label not in UNWATCHED and label != UNWATCHED_AUDIT and model._meta.managed:
            tables.append((label, model._meta.db_table))
    return tables


def snapshot() -> dict[str, str]:
    """A digest of every watched table's rows."""
    digests = {}
    with connection.cursor() as cursor:
        for label, table in watched_tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[label] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


@dataclass
class Outcome:
    changed: list[str]
    audited: bool
    status: int


def post_and_check(client, url: str, data: dict, what: str) -> Outcome:
    before, events = snapshot(), AuditEvent.objects.count()
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403), f"{what}: answered {response.status_code}"
    after = snapshot()
    changed = sorted(label for label in before if before[label] != after[label])
    audited = AuditEvent.objects.count() > events
    assert audited or not changed, f"{what} changed {changed} without writing an AuditEvent"
    return Outcome(changed, audited, response.status_code)


# --- Reading and changing the admin's forms ---------------------------------------------------


@dataclass
class Control:
    kind: str  # text, number, checkbox, radio, hidden, select, password
    name: str
    value: str = ""
    checked: bool = False
    required: bool = False
    multiple: bool = False
    options: list = field(default_factory=list)  # [value, selected] of a select

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.value if self.kind in ("checkbox", "radio") else "")


class FormReader(HTMLParser):
    """The controls of one ``<form id=…>`` as a browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.controls = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in SKIPPED_INPUTS:
            kind = attrs.get("type", "text")
            kind = kind if kind in ("checkbox", "radio", "hidden", "number", "password") else "text"
            default = "on" if kind in ("checkbox", "radio") else ""
            value, checked = attrs.get("value") or default, "checked" in attrs
            self.controls.append(Control(kind, name, value, checked, "required" in attrs))
        elif tag == "select" and name:
            self._select = Control(
                "select", name, multiple="multiple" in attrs, required="required" in attrs
            )
            self.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append([attrs.get("value", ""), "selected" in attrs])
        elif tag == "textarea" and name:
            self._textarea = Control("text", name, required="required" in attrs)
            self.controls.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data.removeprefix("\n") if not self._textarea.value else data


def read_form(client, url: str, model) -> list[Control] | None:
    response = client.get(url)
    if response.status_code != 200:
        return None
    reader = FormReader(f"{model._meta.model_name}_form")
    reader.feed(response.content.decode())
    return reader.controls


def post_data(controls: list[Control]) -> dict:
    data: dict[str, list[str]] = {}
    for control in controls:
        if control.kind in ("checkbox", "radio"):
            if control.checked:
                data.setdefault(control.name, []).append(control.value)
        elif control.kind == "select":
            chosen = [value for value, selected in control.options if selected]
            if not chosen and not control.multiple and control.options:
                chosen = [control.options[0][0]]  # what a browser submits
            data.setdefault(control.name, []).extend(chosen)
        else:
            data.setdefault(control.name, []).append(control.value)
    data["_save"] = ["Save"]
    return data


def mutable(control: Control) -> bool:
    if control.kind in ("hidden", "radio") or "__prefix__" in control.name:
        return False
    row = ROW.match(control.name)
    return row is None or row["index"] == "0"  # the first row of each inline is enough


def _moved(value: str) -> str:
    try:
        number = Decimal(value or "0")
    except InvalidOperation:
        return value + "1"
    if number == number.to_integral_value() and "." not in value:
        return str(number + 1)
    step = Decimal("0.01")
    return str(number - step if number >= 1 else number + step)


def mutate(control: Control) -> bool:
    """Change ``control`` to another valid-looking value; False if it has no other value."""
    if control.kind == "checkbox":
        control.checked = not control.checked
    elif control.kind == "number":
        control.value = _moved(control.value)
    elif control.kind == "select":
        if control.multiple:
            control.options[0][1] = not control.options[0][1] if control.options else None
            return bool(control.options)
        current = next((value for value, selected in control.options if selected), "")
        others = [value for value, _ in control.options if value not in (current, "")]
        if not others:
            return False
        for option in control.options:
            option[1] = option[0] == others[0]
    else:
        control.value += "x"
    return True


def field_name(name: str) -> str:
    row = ROW.match(name)
    return row["field"] if row else name


# --- The walk ---------------------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def walk_add(client, model, like: list[Control] | None) -> bool:
    """Post the add form filled like the existing object (text made unique); True if saved."""
    controls = read_form(client, admin_url(model, "add"), model)
    if controls is None:
        return False
    existing = {control.key: control for control in like or []}
    for control in controls:
        if "__prefix__" in control.name or control.kind == "hidden":
            continue
        source = existing.get(control.key)
        if control.kind == "password":
            control.value = "Sturdy-passw0rd-42"
        elif control.kind == "radio":
            control.checked = control.value == "true" or control.checked
        elif control.kind == "select" and source is not None:
            control.options = [list(option) for option in source.options]
        elif control.kind == "select" and control.required and not control.multiple:
            if not any(value and chosen for value, chosen in control.options):
                mutate(control)  # the first real option
        elif control.kind == "checkbox" and source is not None:
            control.checked = source.checked
        elif control.kind in ("text", "number") and not control.value:
            if source is not None:  # made unique ("n": the change walk appends "x")
                control.value = source.value + ("n" if control.kind == "text" else "")
            elif control.required:
                control.value = "1" if control.kind == "number" else f"new-{control.name}"
    count = model._default_manager.count()
    post_and_check(
        client, admin_url(model, "add"), post_data(controls), f"adding a {model._meta.label_lower}"
    )
    return model._default_manager.count() > count


def walk_change(client, model, obj) -> set[str]:
    """Post the change form unchanged, then with each control changed; the fields saved."""
    url = admin_url(model, "change", obj.pk)
    first = read_form(client, url, model)
    if first is None:
        return set()
    label = model._meta.label_lower
    post_and_check(client, url, post_data(first), f"saving {label} #{obj.pk} unchanged")
    saved, current = set(), first
    for key in [control.key for control in first if mutable(control)]:
        controls = [replace(c, options=[list(o) for o in c.options]) for c in current]
        control = next((c for c in controls if c.key == key), None)
        if control is None or not mutate(control):
            continue
        outcome = post_and_check(
            client, url, post_data(controls), f"changing {key[0]} of {label} #{obj.pk}"
        )
        if outcome.changed:  # read the form again only when the object changed
            saved.add(field_name(key[0]))
            current = read_form(client, url, model) or []
    return saved


def walk_actions(client, model, model_admin, obj, request) -> None:
    url = admin_url(model, "changelist")
    for name in model_admin.get_actions(request):
        if name == "delete_selected" or not model._default_manager.filter(pk=obj.pk).exists():
            continue
        data = {"action": name, "_selected_action": [obj.pk], "reason": "walk"}
        post_and_check(client, url, data, f"action {name} on {model._meta.label_lower}")


def walk_delete(client, model, model_admin, obj, request) -> None:
    label = model._meta.label_lower
    post_and_check(client, admin_url(model, "delete", obj.pk), {"post": "yes"}, f"deleting {label}")
    still_there = model._default_manager.filter(pk=obj.pk).exists()
    if still_there and "delete_selected" in model_admin.get_actions(request):
        data = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        url = admin_url(model, "changelist")
        post_and_check(client, url, data, f"bulk-deleting {label}")


REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label_lower for m, _ in REGISTERED]
)
def test_every_admin_write_is_refused_or_audited(client, rf, organisation, model, model_admin):
    label = model._meta.label_lower
    client.force_login(organisation.actor)
    request = rf.get("/admin/")
    request.user = organisation.actor
    assert client.get(admin_url(model, "changelist")).status_code == 200

    obj = object_of(organisation, model)
    assert (obj is None) == (label in NO_OBJECT), f"the walk needs a {label} in the world"
    like = read_form(client, admin_url(model, "change", obj.pk), model) if obj else None
    added = walk_add(client, model, like)
    assert added or label not in MUST_ADD, f"adding a {label} in the admin was refused"
    if obj is None:
        return
    saved = walk_change(client, model, obj)
    missing = MUST_SAVE.get(label, set()) - saved
    assert not missing, f"{label}: changing {sorted(missing)} was refused, expected audited"
    walk_actions(client, model, model_admin, obj, request)
    walk_delete(client, model, model_admin, obj, request)


def test_the_walk_sees_every_registered_admin():
    labels = {model._meta.label_lower for model in admin.site._registry}
    expected = {*MUST_SAVE, *MUST_ADD, "registry.modelartifact", "auth.user", "kernel.auditevent"}
    assert not expected - labels


def test_the_production_version_keeps_its_uri_and_owner(client, organisation):
    """The finding behind this file: the production version's URI swapped in the admin."""
    artifact = organisation.objects["registry.modelartifact"]
    client.force_login(organisation.actor)
    url = admin_url(ModelArtifact, "change", artifact.pk)
    outsider = organisation.objects["roster.mlteammember"]
    data = {
        "artifact_uri": "s3://attacker/swapped.bin",
        "owner": outsider.pk,
        "description": artifact.description,
        "_save": "Save",
    }
    post_and_check(client, url, data, "swapping the production artifact_uri")
    stored = ModelArtifact.objects.get(pk=artifact.pk)
    assert (stored.artifact_uri, stored.owner_id) == (artifact.artifact_uri, artifact.owner_id)
    assert PromotionRequest.objects.filter(artifact=artifact).exists()
    assert MLTeamMember.objects.filter(pk=artifact.owner_id).exists()
