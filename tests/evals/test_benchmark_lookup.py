"""``benchmark_by_slug``: the eval write's one-statement lookup gives what the ORM would."""

import pytest
from django.forms.models import model_to_dict

from mlteam.evals.models import Benchmark
from mlteam.evals.selectors import benchmark_by_slug
from tests.factories import BenchmarkFactory

pytestmark = pytest.mark.django_db


def test_the_benchmark_a_slug_names_is_the_orms_row():
    BenchmarkFactory(slug="other")
    made = BenchmarkFactory(slug="accuracy")
    found = benchmark_by_slug("accuracy")
    assert isinstance(found, Benchmark) and found.pk == made.pk
    assert model_to_dict(found) == model_to_dict(Benchmark.objects.get(pk=made.pk))
    assert found._state.adding is False and found._state.db == "default"


def test_an_unknown_slug_finds_nothing():
    BenchmarkFactory(slug="accuracy")
    assert benchmark_by_slug("Accuracy") is None
    assert benchmark_by_slug("accuracy\u00e9") is None
