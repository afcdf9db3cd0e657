"""The "Organisation checks" page: where the organisation breaks the lesson's practices."""

from django.views.decorators.http import require_GET

from mlteam.kernel.htmx import render_page
from mlteam.registry.check_snapshots import checks_trend
from mlteam.registry.checks import CODES, organisation_checks, severity_counts
from mlteam.web.checks.forms import ChecksFilterForm


@require_GET
def checks_page(request):
    """Every finding, most severe first, each linking to where it is fixed; the filters swap
    only the list over htmx and keep the URL shareable. Invalid filters are shown on the form
    and ignored."""
    form = ChecksFilterForm(request.GET or None)
    filters = {k: v or None for k, v in form.cleaned_data.items()} if form.is_valid() else {}
    findings = organisation_checks(**filters)
    trend = checks_trend()
    context = {
        "form": form,
        "findings": findings,
        "counts": severity_counts(findings),
        "codes": [(code, text, trend[code]) for code, text in CODES.items()],
        "filtered": any(filters.values()),
    }
    return render_page(request, "checks/checks.html", context, partial="findings")
