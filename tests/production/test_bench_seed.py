"""``make bench`` seeds its organisation through the services (a bench member, models, versions
with their audit events and latest results); a fresh database must seed without refusals."""

import pytest

from mlteam.evals.models import EvalResult, LatestResult
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact
from mlteam.registry.selectors import model_production_at
from mlteam.site import bench

pytestmark = pytest.mark.django_db


def test_the_bench_seeds_a_fresh_database_and_tops_it_up():
    lines = []
    member = bench.seed(3, 3, lines.append)
    assert member.user.username == "bench" and member.is_active
    assert Model.objects.filter(name__startswith=bench.PREFIX).count() == 3
    assert ModelArtifact.objects.filter(model__name__startswith=bench.PREFIX).count() == 9
    assert AuditEvent.objects.exists()
    assert (
        LatestResult.objects.count()
        == EvalResult.objects.values("artifact", "benchmark").distinct().count()
    )

    # The stage history answers "which version is in production" (the bench's production op).
    for model in Model.objects.filter(name__startswith=bench.PREFIX):
        deployed = model_production_at(model)
        assert deployed is not None and deployed.status == Stage.PRODUCTION
        assert deployed.version == bench.PRODUCTION_VERSION
        assert model.transitions.filter(to_stage=Stage.EXPERIMENTAL).count() == 3

    again = bench.seed(3, 3, lines.append)
    assert again.pk == member.pk
    assert Model.objects.filter(name__startswith=bench.PREFIX).count() == 3
