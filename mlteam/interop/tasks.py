"""The MLflow import as background work (queued from the imports page, run by a worker)."""

from django_tasks import task


@task()
def run_mlflow_import(import_id: int) -> str | None:
    from mlteam.interop.services import mlflow_import_run_queued

    record = mlflow_import_run_queued(import_id=import_id)
    return record.state if record else None
