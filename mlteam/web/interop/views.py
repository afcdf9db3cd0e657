"""The MLflow imports page (ML leads): past and running imports with their progress and
summaries, and what MLflow said about each imported version.

An ML lead starts an import here: it is queued for a background worker (a long job never
runs in a web request) and the page follows its progress, which the import saves as it goes.
``manage.py import_mlflow`` does the same from an operator's shell.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from mlteam.interop.selectors import any_running, mlflow_imports, mlflow_versions
from mlteam.interop.services import mlflow_import_queue
from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.htmx import form_status, posted, refuse, render_page
from mlteam.roster.permissions import is_ml_lead, member_of
from mlteam.web.interop.forms import MlflowImportForm


@require_http_methods(["GET", "POST"])
def mlflow_imports_page(request):
    """Start an import (POST); while one runs, the table re-fetches itself every few seconds."""
    member = member_of(request.user)
    if not is_ml_lead(member):
        return refuse(request, NotAllowed("not_ml_lead", "Only ML leads see the MLflow imports."))
    data, _ = posted(request)
    form = MlflowImportForm(data)
    status = 200
    if data is not None and form.is_valid():
        try:
            record = mlflow_import_queue(
                tracking_uri=form.cleaned_data["tracking_uri"],
                team=form.cleaned_data["team"],
                actor=member,
                model_names=form.model_names(),
            )
        except DomainError as error:
            form.add_error("tracking_uri", error.message)
            status = form_status(request, error)
        else:
            messages.success(request, f"Import #{record.pk} is queued; a worker starts it shortly.")
            return redirect("interop:mlflow_imports")
    imports = mlflow_imports()
    context = {
        "form": form,
        "imports": imports,
        "running": any_running(imports),
        "versions": mlflow_versions(),
    }
    return render_page(
        request, "interop/mlflow_imports.html", context, partial="imports", status=status
    )
