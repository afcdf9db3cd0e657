"""Django's autodiscovery imports this module; each domain app's admin lives beside it."""

from mlteam.backoffice import (  # noqa: F401
    access,
    accounts,
    cards,
    evals,
    notifications,
    registry,
    roster,
    tracking,
)
