"""``manage.py audit_verify [--expect POSITION:SEAL]``: recompute the audit trail's hash chain.

Exit 0 with a summary when every sealed event matches; exit 1 naming the first event that does
not (its id, action and time) and why: content changed, chain broken, event missing, seal
removed or, with ``--expect``, the recorded head no longer there. Seals nothing.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from mlteam.kernel.audit_chain import audit_verify, parse_head


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 naming the first event that does not match."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect",
            metavar="POSITION:SEAL",
            help="A head printed earlier by audit_seal or audit_verify, kept outside the database: "
            "it must still be in the chain.",
        )

    def handle(self, *args, expect=None, **options):
        try:
            expected = parse_head(expect) if expect else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = audit_verify(expect=expected)
        if not result.ok:
            self.stderr.write(f"Audit trail does not verify: {result.mismatch}")
            self.stderr.write(
                f"{result.verified} events before it verified. See README, "
                "'Tamper-evident audit trail', for what to do."
            )
            sys.exit(1)
        self.stdout.write(self._summary(result))

    def _summary(self, result) -> str:
        events = "event" if result.verified == 1 else "events"
        summary = f"{result.verified} {events} verified, {result.unsealed} not yet sealed"
        if result.oldest_unsealed:
            summary += f" (oldest from {result.oldest_unsealed:%Y-%m-%d %H:%M:%S %Z})"
        head = f"chain head {result.head}" if result.head else "the chain is empty"
        return f"{summary}; {head}."
