"""``manage.py end_leavers_access``: revoke the tokens, disable the logins and end the sessions
of everyone the roster says has left (once after upgrading; safe to run again, e.g. nightly)."""

from django.core.management.base import BaseCommand

from mlteam.kernel.actors import SYSTEM
from mlteam.roster.access import leavers_access_end


class Command(BaseCommand):
    help = "End the access (tokens, login, sessions) of everyone who left but can still sign in."

    def handle(self, *args, **options):
        ended = leavers_access_end(actor=SYSTEM)
        for member in ended:
            self.stdout.write(f"ended the access of {member} (left on {member.left_on})")
        self.stdout.write(f"{len(ended)} leaver{'s' * (len(ended) != 1)} had access; none now.")
