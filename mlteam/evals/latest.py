"""Keeping ``LatestResult`` (the latest result per version and benchmark) current.

``eval_record`` calls ``latest_result_note`` in the result's transaction; bulk writers that
insert EvalResult rows directly call ``latest_results_rebuild`` for the versions they wrote.
"Latest" is the newest ``recorded_at``, then the highest id, as in every read of history.
"""

from django.db import connection, transaction

from mlteam.evals.models import EvalResult, LatestResult

# One statement, so two results recorded at once for the same pair cannot both "win": on
# PostgreSQL the second INSERT waits for the first's row, then re-checks the WHERE against it;
# SQLite serialises writers. A backdated result leaves a newer latest alone.
_UPSERT = """
INSERT INTO {latest} (artifact_id, benchmark_id, result_id, value, recorded_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (artifact_id, benchmark_id) DO UPDATE
SET result_id = excluded.result_id, value = excluded.value, recorded_at = excluded.recorded_at
WHERE {latest}.recorded_at < excluded.recorded_at
   OR ({latest}.recorded_at = excluded.recorded_at AND {latest}.result_id < excluded.result_id)
"""

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
