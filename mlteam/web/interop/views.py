"""The MLflow imports page (ML leads): past and running imports with their progress and
summaries, and what MLflow said about each imported version.

The import itself runs as ``manage.py import_mlflow`` (a long job: it belongs to an operator's
shell or a scheduler, not to a web request); this page follows its progress, which the command
saves as it goes.
"""

from django.views.decorators.http import require_GET

from mlteam.interop.selectors import any_running, mlflow_imports, mlflow_versions
from mlteam.kernel.errors import NotAllowed
from mlteam.kernel.htmx import refuse, render_page
from mlteam.roster.permissions import is_ml_lead, member_of


@require_GET
def mlflow_imports_page(request):
    """While an import runs, the table re-fetches itself every few seconds (htmx polling)."""
    if not is_ml_lead(member_of(request.user)):
        return refuse(request, NotAllowed("not_ml_lead", "Only ML leads see the MLflow imports."))
    imports = mlflow_imports()
    context = {
        "imports": imports,
        "running": any_running(imports),
        "versions": mlflow_versions(),
    }
    return render_page(request, "interop/mlflow_imports.html", context, partial="imports")
