"""``make bench`` seeds its organisation through the services (a bench member, models, versions
with their audit events and latest results); a fresh database must seed without refusals."""

import pytest

from mlteam.evals.models import EvalResult, LatestResult
from mlteam.kernel.models import AuditEvent
from mlteam.registry.models import Model, ModelArtifact
from mlteam.site import bench

pytestmark = pytest.mark.django_db


def test_the_bench_seeds_a_fresh_database_and_tops_it_up():
    lines = []
    member = bench.seed(3, 2, lines.append)
    assert member.user.username == "bench" and member.is_active
    assert Model.objects.filter(name__startswith=bench.PREFIX).count() == 3
    assert ModelArtifact.objects.filter(model__name__startswith=bench.PREFIX).count() == 6
    assert AuditEvent.objects.exists()
    assert (
        LatestResult.objects.count()
        == EvalResult.objects.values("artifact", "benchmark").distinct().count()
    )

    again = bench.seed(3, 2, lines.append)
    assert again.pk == member.pk
    assert Model.objects.filter(name__startswith=bench.PREFIX).count() == 3
