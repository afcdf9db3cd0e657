"""Reads for the MLflow imports page."""

from django.db.models import QuerySet

from mlteam.interop.models import ImportState, MlflowImport, MlflowKind, MlflowLink


def mlflow_imports(limit: int = 50) -> list[MlflowImport]:
    """The latest import runs, newest first, with who ran them for which team."""
    return list(
        MlflowImport.objects.select_related("team", "actor__user").order_by("-started_at", "-id")[
            :limit
        ]
    )


def any_running(imports: list[MlflowImport]) -> bool:
    return any(i.state in (ImportState.QUEUED, ImportState.RUNNING) for i in imports)


def mlflow_versions(limit: int = 200) -> QuerySet[MlflowLink]:
    """Imported versions with what MLflow said about them (stage, aliases), newest first."""
    return (
        MlflowLink.objects.filter(kind=MlflowKind.VERSION)
        .select_related("artifact__model")
        .order_by("-imported_at", "-id")[:limit]
    )
