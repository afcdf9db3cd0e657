"""``manage.py create_token USER [--days N] [--name NAME]``: an API token for a pipeline.

Prints the token once on stdout (nothing else), so ``MLTEAM_TOKEN=$(manage.py create_token ci)``
works; it is stored only as a digest.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from mlteam.api.services import DEFAULT_DAYS, token_create
from mlteam.kernel.actors import SYSTEM
from mlteam.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USER and print it (shown once; only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Lifetime in days.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, days, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user '{username}'.")
        try:
            token, raw = token_create(
                user=user, name=name or "created by manage.py", days=days, actor=SYSTEM
            )
        except DomainError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        self.stdout.write(raw)
        self.stderr.write(
            f"Token '{token.name}' for {username}, expires {token.expires_at:%Y-%m-%d}. "
            "Store it now: it cannot be shown again."
        )
