"""Keeping ``LatestResult`` (the latest result per version and benchmark) current.

``eval_record`` inserts its result with ``result_insert``, which upserts the latest in the same
statement (PostgreSQL) or the next one (SQLite); other writers of single results call
``latest_result_note`` in the result's transaction; bulk writers that insert EvalResult rows
directly call ``latest_results_rebuild`` for the versions they wrote.
"Latest" is the newest ``recorded_at``, then the highest id, as in every read of history.
"""

from functools import cache

from django.db import connection, transaction

from mlteam.evals.models import EvalResult, LatestResult
from mlteam.kernel.rows import instance_from_row

# One statement, so two results recorded at once for the same pair cannot both "win": on
# PostgreSQL the second INSERT waits for the first's row, then re-checks the WHERE against it;
# SQLite serialises writers. A backdated result leaves a newer latest alone.
_UPSERT_INTO = "INSERT INTO {latest} (artifact_id, benchmark_id, result_id, value, recorded_at)"
_UPSERT_IF_NEWER = """
ON CONFLICT (artifact_id, benchmark_id) DO UPDATE
SET result_id = excluded.result_id, value = excluded.value, recorded_at = excluded.recorded_at
WHERE {latest}.recorded_at < excluded.recorded_at
   OR ({latest}.recorded_at = excluded.recorded_at AND {latest}.result_id < excluded.result_id)
"""
_UPSERT = f"{_UPSERT_INTO} VALUES (%s, %s, %s, %s, %s){_UPSERT_IF_NEWER}"
_RESULT = (
    "INSERT INTO {results} (artifact_id, benchmark_id, value, recorded_by_id, recorded_at, run_id,"
    " note) VALUES (%(artifact_id)s, %(benchmark_id)s, %(value)s, %(recorded_by_id)s, %(at)s,"
    " %(run_id)s, %(note)s) RETURNING id"
)
# PostgreSQL: the result and its latest in one statement (one round trip).
_RESULT_AND_LATEST = (
    "WITH recorded AS ({result}), latest AS ("
    + _UPSERT_INTO
    + " SELECT %(artifact_id)s, %(benchmark_id)s, id, %(value)s, %(at)s FROM recorded"
    + _UPSERT_IF_NEWER
    + ") SELECT id FROM recorded"
)

# The newest result of each pair: the one no other result of the pair is newer than. It walks
# the (artifact, benchmark, -recorded_at, -id) index; plain SQL that SQLite and PostgreSQL share
# (the backfill migration runs the same statement).
_REBUILD = """
INSERT INTO {latest} (artifact_id, benchmark_id, result_id, value, recorded_at)
SELECT r.artifact_id, r.benchmark_id, r.id, r.value, r.recorded_at
FROM {results} r
WHERE {where} NOT EXISTS (
    SELECT 1 FROM {results} n
    WHERE n.artifact_id = r.artifact_id AND n.benchmark_id = r.benchmark_id
      AND (n.recorded_at > r.recorded_at OR (n.recorded_at = r.recorded_at AND n.id > r.id))
)
"""
REBUILD_CHUNK = 900  # artifact ids per statement: well under SQLite's bound-parameter limit


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "latest": quote(LatestResult._meta.db_table),
        "results": quote(EvalResult._meta.db_table),
    }


def latest_result_note(result: EvalResult) -> None:
    """Make ``result`` its pair's latest unless a newer one is stored (one statement).

    Call it inside the transaction that created ``result``.
    """
    at = LatestResult._meta.get_field("recorded_at").get_db_prep_save(
        result.recorded_at, connection
    )
    params = [result.artifact_id, result.benchmark_id, result.pk, result.value, at]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(**_tables()), params)


def result_insert(*, artifact, benchmark, value: float, recorded_by, recorded_at, run, note: str):
    """Insert one EvalResult and make it its pair's latest unless a newer one is stored; returns
    it with its artifact, benchmark, recorder and run attached. Call it inside a transaction."""
    values = {
        "artifact_id": artifact.pk,
        "benchmark_id": benchmark.pk,
        "value": value,
        "recorded_by_id": recorded_by.pk if recorded_by else None,
        "recorded_at": recorded_at,
        "run_id": run.pk if run else None,
        "note": note,
    }
    at = EvalResult._meta.get_field("recorded_at").get_db_prep_save(recorded_at, connection)
    params = values | {"at": at}
    in_one = connection.vendor == "postgresql"
    result_only, with_latest = _result_statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(with_latest if in_one else result_only, params)
        result_id = cursor.fetchone()[0]
    result = instance_from_row(EvalResult, returned={}, known=values | {"id": result_id})
    result.artifact, result.benchmark = artifact, benchmark
    result.recorded_by, result.run = recorded_by, run
    if not in_one:  # SQLite: no data-modifying WITH, and no round trip to save
        latest_result_note(result)
    return result


@cache
def _result_statements(vendor: str) -> tuple[str, str]:
    """The result's INSERT alone, and with the latest's upsert (the same text every time)."""
    result = _RESULT.format(**_tables())
    return result, _RESULT_AND_LATEST.format(result=result, **_tables())


def latest_results_rebuild(artifact_ids=None) -> None:
    """Recompute the latest results of ``artifact_ids`` (every version if None) from history."""
    with transaction.atomic(), connection.cursor() as cursor:
        if artifact_ids is None:
            LatestResult.objects.all().delete()
            cursor.execute(_REBUILD.format(where="", **_tables()))
            return
        ids = list(artifact_ids)
        for start in range(0, len(ids), REBUILD_CHUNK):
            chunk = ids[start : start + REBUILD_CHUNK]
            LatestResult.objects.filter(artifact_id__in=chunk).delete()
            marks = ", ".join(["%s"] * len(chunk))
            where = f"r.artifact_id IN ({marks}) AND"
            cursor.execute(_REBUILD.format(where=where, **_tables()), chunk)
