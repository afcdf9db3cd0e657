"""Least-privilege PostgreSQL roles: an owner that runs migrations, and the app's role.

The app role (what the web servers and workers connect as) reads and writes the tables, but on
the audit trail it may only SELECT, INSERT and set the seal columns (the trigger further limits
that to sealing an unsealed event once). It owns nothing, so it cannot ALTER the table, disable
its triggers or replace the trigger function; it is no superuser, so it cannot set
``session_replication_role`` (which silences triggers). The owner role can do all of that: keep
its credentials away from the servers, and use it only for ``migrate``.

The script is idempotent: run it once on a new database, and again after each ``migrate`` (new
tables get the app's privileges by default anyway; running it again re-asserts the audit rules).
"""

import re

AUDIT_TABLE = "registry_auditevent"
SEAL_COLUMNS = ("seal_position", "prev_seal", "seal")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


def valid_identifier(name: str) -> str:
    """Role and database names go into SQL: allow plain lowercase identifiers only."""
    if not _IDENTIFIER.match(name):
        raise ValueError(
            f"{name!r} is not a plain PostgreSQL name (lowercase letters, digits, _ and $, "
            "starting with a letter or _, at most 63 characters)"
        )
    return name


def roles_sql(*, database: str, owner_role: str, app_role: str) -> str:
    database, owner, app = map(valid_identifier, (database, owner_role, app_role))
    if owner == app:
        raise ValueError("the owner and the app role must be different roles")
    columns = ", ".join(SEAL_COLUMNS)
    return f"""\
-- mlteam least-privilege roles for database "{database}".
-- Run as a superuser:  psql -v ON_ERROR_STOP=1 -d {database} -f roles.sql
-- Then give both roles passwords (psql: \\password {owner} and \\password {app}).
BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
        CREATE ROLE "{owner}" LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
        CREATE ROLE "{app}" LOGIN;
    END IF;
END
$$;
ALTER ROLE "{owner}" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE "{app}" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
-- The app must not hold the owner's rights through membership.
DO $$
BEGIN
    IF pg_has_role('{app}', '{owner}', 'MEMBER') THEN
        REVOKE "{owner}" FROM "{app}";
    END IF;
END
$$;

GRANT CONNECT ON DATABASE "{database}" TO "{owner}", "{app}";
-- Only the owner creates objects (migrations); the app only uses them.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO "{owner}";
GRANT USAGE ON SCHEMA public TO "{app}";

-- Whatever exists already (e.g. migrated as postgres) now belongs to the owner. Sequences of
-- identity and serial columns follow their table.
DO $$
DECLARE
    object record;
BEGIN
    FOR object IN
        SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO "{owner}"', object.name);
    END LOOP;
    FOR object IN
        SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND NOT EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO "{owner}"', object.name);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND NOT EXISTS (
              SELECT FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO "{owner}"', object.name);
    END LOOP;
END
$$;

-- The app reads and writes every table, now and those later migrations create...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app}";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}";
ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}";
ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO "{app}";

-- ...except the audit trail: read, append, and set the seal columns (never TRUNCATE).
REVOKE ALL ON {AUDIT_TABLE} FROM "{app}";
REVOKE UPDATE ON {AUDIT_TABLE} FROM PUBLIC;
GRANT SELECT, INSERT ON {AUDIT_TABLE} TO "{app}";
GRANT UPDATE ({columns}) ON {AUDIT_TABLE} TO "{app}";

-- session_replication_role = replica would silence the trigger: superusers only, unless
-- someone granted it (PostgreSQL 15+ allows that); take any such grant back.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'REVOKE SET ON PARAMETER session_replication_role FROM "{app}", PUBLIC';
    END IF;
END
$$;

COMMIT;
"""


def drop_roles_sql(*, owner_role: str, app_role: str, to_role: str = "postgres") -> str:
    """Undo ``roles_sql`` in the current database (its objects go back to ``to_role``)."""
    owner, app, back = map(valid_identifier, (owner_role, app_role, to_role))
    return f"""\
REASSIGN OWNED BY "{owner}" TO "{back}";
DROP OWNED BY "{owner}";
DROP OWNED BY "{app}";
DROP ROLE "{app}";
DROP ROLE "{owner}";
"""
