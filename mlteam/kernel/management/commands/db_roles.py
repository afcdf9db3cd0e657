"""``manage.py db_roles --print-sql``: the SQL that sets up least-privilege PostgreSQL roles.

An owner role runs migrations and owns every table; the app role (web servers, workers) may
only append to the audit trail and seal it. See ``mlteam.kernel.db_roles``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from mlteam.kernel.db_roles import roles_sql


class Command(BaseCommand):
    help = "Print the SQL that creates an owner/migrator role and a least-privilege app role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-sql",
            action="store_true",
            help="Print the SQL (run it as a superuser with psql); required, nothing is run.",
        )
        parser.add_argument("--owner-role", default="mlteam_owner", help="Owns schema objects.")
        parser.add_argument("--app-role", default="mlteam_app", help="The servers' role.")
        parser.add_argument(
            "--database", help="Database name (default: the one DATABASE_URL names)."
        )

    def handle(self, *args, print_sql, owner_role, app_role, database, **options):
        if not print_sql:
            raise CommandError("Nothing to do: pass --print-sql and run its output with psql.")
        if database is None:
            if connection.vendor != "postgresql":
                raise CommandError(
                    "DATABASE_URL is not PostgreSQL: pass --database NAME for the target database."
                )
            database = connection.settings_dict["NAME"]
        try:
            sql = roles_sql(database=database, owner_role=owner_role, app_role=app_role)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(sql, ending="")
