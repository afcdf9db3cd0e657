"""Django's autodiscovery imports this module; each domain app's admin lives beside it."""

from mlteam.backoffice import cards, evals, registry, roster, tracking  # noqa: F401
