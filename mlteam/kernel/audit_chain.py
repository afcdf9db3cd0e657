"""Tamper evidence for the audit trail: committed events are sealed into one hash chain.

Each sealed event holds ``seal = sha256(prev_seal + canonical content)``, where ``prev_seal`` is
the seal of the event sealed just before it (``GENESIS`` for the first) and ``seal_position``
its place in the chain (1, 2, 3, … without gaps). Changing an event's content, rewriting a seal or
deleting an event in the middle breaks the recomputation, and ``audit_verify`` names the first
event where it breaks.

Why sealing is a separate step, after commit, rather than part of ``audit_record``: chaining at
insert would make every write in the system wait on one lock (the chain's head) until it
commits. Here writers only INSERT, as before, and never wait on each other; one sealer at a
time (a PostgreSQL advisory lock, which only sealers take) chains what has committed since.

Why the chain is in sealing order, not id order: ids are drawn when a row is inserted, so a
transaction holding a lower id can commit after one holding a higher id. A sealer that chained
strictly by id would have to guess how long to wait for such a straggler (a time window, which
a long transaction outlives). Instead each run appends every committed unsealed event, in id
order, to the end of the chain; a straggler is simply sealed by the next run. Nothing is ever
skipped or guessed, and the chain order is recorded in ``seal_position``, so verifying needs no
timing either. An event is unprotected only until the sealer runs: seconds, since every write
transaction enqueues a sealing task after its commit (``kernel.tasks``), and ``manage.py
audit_seal`` catches up if the workers were down.

The canonical content is the event's own columns only (ids, not names: renaming a user must not
look like tampering), as JSON with sorted keys and the time in UTC with microseconds, so the same
row gives the same text on SQLite and PostgreSQL, and after a ``pg_dump``/``pg_restore``.
What the chain cannot show by itself: events deleted from the *end* of the chain, or a chain
rewritten wholesale by a database superuser. Against those, keep the head that ``audit_seal`` and
``audit_verify`` print (position and seal) somewhere the database's owners cannot write, and
check it with ``audit_verify --expect POSITION:SEAL``.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from mlteam.kernel.models import AuditEvent

GENESIS = "0" * 64
# Part of the sealed text. A changed form needs a new version, and verifying must keep using
# this one for the events sealed before the change (e.g. up to a recorded position).
CANONICAL_VERSION = 1
CONTENT_FIELDS = (
    "id",
    "at",
    "action",
    "actor_id",
    "from_state",
    "to_state",
    "summary",
    "details",
    "model_id",
    "artifact_id",
    "promotion_id",
    "member_id",
    "team_id",
)
SEAL_FIELDS = ("seal_position", "prev_seal", "seal")
# pg_advisory_xact_lock key: "mlteam audit seal" (any fixed number no other code uses).
SEALER_LOCK = 0x6D6C_7465_616D_5345
BATCH_SIZE = 1000


def canonical_content(event: dict) -> str:
    """The text a seal covers: ``event`` is a row as ``.values(*CONTENT_FIELDS)`` returns it."""
    document = {name: event[name] for name in CONTENT_FIELDS}
    document["at"] = _utc(event["at"])
    document["v"] = CANONICAL_VERSION
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seal_of(prev_seal: str, event: dict) -> str:
    return hashlib.sha256(f"{prev_seal}\n{canonical_content(event)}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    position: int
    seal: str

    def __str__(self) -> str:
        return f"{self.position}:{self.seal}"


@dataclass(frozen=True)
class SealResult:
    sealed: int
    head: ChainHead | None


def audit_seal() -> SealResult:
    """Seal every committed unsealed event, in id order, onto the end of the chain.

    Safe to run any time and from any number of workers at once: sealers queue on one advisory
    lock (writers never take it), and each batch re-reads the head after taking it. Side
    effects: sets the seal columns of the events it seals (the only UPDATE the trigger allows).
    """
    sealed = 0
    while True:
        with transaction.atomic():
            _take_sealer_lock()
            head = chain_head()
            batch = list(
                AuditEvent.objects.filter(seal__isnull=True)
                .order_by("id")
                .values(*CONTENT_FIELDS)[:BATCH_SIZE]
            )
            if not batch:
                return SealResult(sealed=sealed, head=head)
            head = _seal_batch(head, batch)
            sealed += len(batch)


def _take_sealer_lock() -> None:
    # SQLite needs nothing: the project's SQLite transactions take the write lock at BEGIN.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])


def chain_head() -> ChainHead | None:
    last = (
        AuditEvent.objects.filter(seal_position__isnull=False)
        .order_by("-seal_position")
        .values_list("seal_position", "seal")
        .first()
    )
    return ChainHead(*last) if last else None


def _seal_batch(head: ChainHead | None, batch: list[dict]) -> ChainHead:
    position, prev_seal = (head.position, head.seal) if head else (0, GENESIS)
    rows = []
    for event in batch:
        position += 1
        seal = seal_of(prev_seal, event)
        rows.append((position, prev_seal, seal, event["id"]))
        prev_seal = seal
    _write_seals(rows)
    return ChainHead(position, prev_seal)


def _write_seals(rows: list[tuple[int, str, str, int]]) -> None:
    """UPDATE by primary key (never save(), which refuses changes to an audit event): on
    PostgreSQL one statement per batch, on SQLite (in-process, no round trips) one per row."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET seal_position = %s, prev_seal = %s, seal = %s"
                " WHERE id = %s AND seal IS NULL",
                rows,
            )
            return
        values = ", ".join(["(%s::bigint, %s, %s, %s::bigint)"] * len(rows))
        cursor.execute(
            f"UPDATE {table} AS e SET seal_position = v.position, prev_seal = v.prev_seal,"
            f" seal = v.seal FROM (VALUES {values}) AS v(position, prev_seal, seal, id)"
            " WHERE e.id = v.id AND e.seal IS NULL",
            [value for row in rows for value in row],
        )


@dataclass(frozen=True)
class Mismatch:
    """The first event that does not verify, and why (``reason`` is a stable code)."""

    event_id: int | None
    action: str
    at: datetime | None
    position: int | None
    reason: str  # content_changed | chain_broken | event_missing | seal_removed | head_mismatch
    detail: str

    def __str__(self) -> str:
        if self.event_id is None:
            return f"{self.reason.replace('_', ' ')}: {self.detail}"
        at = _utc(self.at) if self.at else "?"
        return (
            f"event #{self.event_id} ({self.action}, {at}, chain position {self.position}): "
            f"{self.reason.replace('_', ' ')} — {self.detail}"
        )


@dataclass(frozen=True)
class VerifyResult:
    verified: int
    unsealed: int
    oldest_unsealed: datetime | None
    head: ChainHead | None
    mismatch: Mismatch | None

    @property
    def ok(self) -> bool:
        return self.mismatch is None


def audit_verify(*, expect: ChainHead | None = None) -> VerifyResult:
    """Walk the chain in seal order and recompute every seal; seals nothing.

    ``expect`` is a head recorded earlier (outside the database): the event at its position must
    still carry its seal, which catches events deleted from the end or a rewritten chain.
    """
    verified, head, mismatch = _walk()
    if mismatch is None:
        mismatch = _stray_seal() or (_check_expected(expect) if expect else None)
    unsealed = AuditEvent.objects.filter(seal__isnull=True, seal_position__isnull=True)
    oldest = unsealed.order_by("at").values_list("at", flat=True).first()
    return VerifyResult(
        verified=verified,
        unsealed=unsealed.count(),
        oldest_unsealed=oldest,
        head=head,
        mismatch=mismatch,
    )


def _sealed_in_order() -> Iterator[dict]:
    return (
        AuditEvent.objects.filter(seal_position__isnull=False)
        .order_by("seal_position")
        .values(*CONTENT_FIELDS, *SEAL_FIELDS)
        .iterator(chunk_size=2000)
    )


def _walk() -> tuple[int, ChainHead | None, Mismatch | None]:
    position, prev_seal, previous_id = 0, GENESIS, None
    for event in _sealed_in_order():
        position += 1
        problem = _problem(event, position, prev_seal, previous_id)
        if problem:
            return position - 1, None, _mismatch(event, *problem)
        prev_seal, previous_id = event["seal"], event["id"]
    head = ChainHead(position, prev_seal) if position else None
    return position, head, None


def _problem(event: dict, position: int, prev_seal: str, previous_id) -> tuple[str, str] | None:
    before = f"event #{previous_id}" if previous_id else "the start of the chain"
    if event["seal_position"] != position:
        missing = (
            f"position {position}"
            if event["seal_position"] == position + 1
            else f"positions {position}–{event['seal_position'] - 1}"
        )
        return (
            "event_missing",
            f"no event holds chain {missing}, between {before} and this one "
            "(deleted, or its seal removed)",
        )
    if not event["seal"] or not event["prev_seal"]:
        return "seal_removed", "its seal columns were cleared"
    if event["prev_seal"] != prev_seal:
        if previous_id is None:
            return "chain_broken", "it opens the chain but was not sealed after the start"
        return (
            "chain_broken",
            f"it was sealed after a seal that {before} no longer carries "
            "(that event's seal was rewritten)",
        )
    if seal_of(prev_seal, event) != event["seal"]:
        return "content_changed", "its content differs from what was sealed"
    return None


def _mismatch(event: dict, reason: str, detail: str) -> Mismatch:
    return Mismatch(
        event_id=event["id"],
        action=event["action"],
        at=event["at"],
        position=event["seal_position"],
        reason=reason,
        detail=detail,
    )


def _stray_seal() -> Mismatch | None:
    """A seal or previous seal on an event outside the chain: its position was cleared."""
    stray = (
        AuditEvent.objects.filter(seal_position__isnull=True)
        .exclude(seal__isnull=True, prev_seal__isnull=True)
        .order_by("id")
        .values(*CONTENT_FIELDS, *SEAL_FIELDS)
        .first()
    )
    if stray is None:
        return None
    return _mismatch(stray, "seal_removed", "it carries a seal but no chain position")


def _check_expected(expect: ChainHead) -> Mismatch | None:
    found = (
        AuditEvent.objects.filter(seal_position=expect.position)
        .values(*CONTENT_FIELDS, *SEAL_FIELDS)
        .first()
    )
    if found is None:
        return Mismatch(
            event_id=None,
            action="",
            at=None,
            position=expect.position,
            reason="head_mismatch",
            detail=f"no event holds chain position {expect.position} any more "
            "(events were deleted from the end of the chain)",
        )
    if found["seal"] != expect.seal:
        return _mismatch(
            found, "head_mismatch", f"its seal is not the recorded {expect.seal[:16]}…"
        )
    return None


def parse_head(text: str) -> ChainHead:
    """``POSITION:SEAL`` as printed by ``audit_seal`` and ``audit_verify``."""
    position, _, seal = text.partition(":")
    if not position.isdigit() or len(seal) != 64 or set(seal) - set("0123456789abcdef"):
        raise ValueError(f"expected POSITION:SEAL (a number and 64 hex digits), got {text!r}")
    return ChainHead(int(position), seal)
