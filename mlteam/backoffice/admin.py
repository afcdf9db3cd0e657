"""Django's autodiscovery imports this module; each domain app's admin lives beside it."""

from mlteam.backoffice import access, cards, evals, notifications, registry, roster, tracking  # noqa: F401
