"""Tamper evidence: each audit event gets a seal (set once, after commit, by the sealer) and, on
PostgreSQL, the append-only trigger allows exactly that one update.

The trigger function keeps its name, so the two triggers of registry 0003 (UPDATE/DELETE per row,
TRUNCATE per statement) call the new body. An UPDATE passes only when the row was unsealed, all
three seal columns are set by it, and every other column is unchanged (compared as JSON, so a
column added later is covered without touching this function).
"""

from django.db import migrations, models

SEALING_ALLOWED = """
CREATE OR REPLACE FUNCTION registry_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('mlteam.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seal IS NULL AND OLD.prev_seal IS NULL AND OLD.seal_position IS NULL
            AND NEW.seal IS NOT NULL AND NEW.prev_seal IS NOT NULL
            AND NEW.seal_position IS NOT NULL
            AND (to_jsonb(NEW) - 'seal' - 'prev_seal' - 'seal_position')
                = (to_jsonb(OLD) - 'seal' - 'prev_seal' - 'seal_position')
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'registry_auditevent is append-only: UPDATE is not allowed '
                || '(only sealing an unsealed event, once)',
            ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'registry_auditevent is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# registry 0003's body, for migrating back.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION registry_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('mlteam.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'registry_auditevent is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def allow_sealing(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEALING_ALLOWED)


def refuse_every_update(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0003_plan_audit_actions")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_seal",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seal",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seal_position",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("seal__isnull", True)),
                fields=["id"],
                name="auditevent_unsealed",
            ),
        ),
        migrations.RunPython(allow_sealing, refuse_every_update),
    ]
