from io import StringIO

from django.apps import apps
from django.core.management import call_command


def seed(**options) -> str:
    """Run ``manage.py seed_demo`` and return what it printed."""
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}
