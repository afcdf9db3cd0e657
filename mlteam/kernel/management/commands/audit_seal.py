"""``manage.py audit_seal``: chain every committed, unsealed audit event now.

The workers do this within seconds of each write; run it from cron (e.g. every 5 minutes) so a
stopped worker never leaves events unsealed for long. Safe to run alongside the workers.
"""

from django.core.management.base import BaseCommand

from mlteam.kernel.audit_chain import audit_seal


class Command(BaseCommand):
    help = "Seal every committed audit event that is not sealed yet; print the chain's head."

    def handle(self, *args, **options):
        result = audit_seal()
        head = f"chain head {result.head}" if result.head else "the chain is empty"
        events = "event" if result.sealed == 1 else "events"
        self.stdout.write(f"Sealed {result.sealed} {events}; {head}.")
