"""Fill LatestResult from the results recorded before it existed (one INSERT ... SELECT)."""

from django.db import migrations

# The same statement as mlteam.evals.latest._REBUILD (a migration keeps its own copy).
BACKFILL = """
INSERT INTO evals_latestresult (artifact_id, benchmark_id, result_id, value, recorded_at)
SELECT r.artifact_id, r.benchmark_id, r.id, r.value, r.recorded_at
FROM evals_evalresult r
WHERE NOT EXISTS (
    SELECT 1 FROM evals_evalresult n
    WHERE n.artifact_id = r.artifact_id AND n.benchmark_id = r.benchmark_id
      AND (n.recorded_at > r.recorded_at OR (n.recorded_at = r.recorded_at AND n.id > r.id))
)
"""


class Migration(migrations.Migration):
    dependencies = [("evals", "0004_perf_latest_result")]

    operations = [
        migrations.RunSQL(BACKFILL, reverse_sql="DELETE FROM evals_latestresult"),
    ]
