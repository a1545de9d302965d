"""Make the allocation log and its concealed blocks append-only in the database itself.

Same approach as audit/0002: PostgreSQL triggers refuse UPDATE and DELETE (TRUNCATE is left to
the database role); SQLite refuses UPDATE (test flushes delete rows), DELETE stays ORM-blocked.
"""

from django.db import migrations

TABLES = ("trials_trialallocation", "trials_trialblock")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION trials_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trial allocation log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION trials_refuse_change();")
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'trial allocation log is append-only'); END;")


def backwards(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("trials", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
