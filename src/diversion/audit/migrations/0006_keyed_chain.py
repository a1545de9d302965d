"""Rows name the key that signed them; the append-only trigger is re-created afterwards.

SQLite may rebuild the table to add a column, which drops its triggers; re-creating the
UPDATE trigger here keeps the log append-only whatever the schema editor did. PostgreSQL
keeps row triggers through ADD COLUMN, and the trigger is checked to be there.
"""

from django.db import migrations, models

TABLE = "audit_processinglog"


def recreate_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only;")
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit tables are append-only'); END;")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_password_changed_event")]

    operations = [
        migrations.AddField(
            model_name="processinglog",
            name="key_id",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.RunPython(recreate_trigger, migrations.RunPython.noop),
    ]
