"""The log is written in lanes, each its own chain (audit/lanes.py); earlier rows are lane 0.

SQLite may rebuild the table to add a column, which drops its triggers, so the append-only
trigger is re-created afterwards, as in 0006.
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
    dependencies = [("audit", "0006_keyed_chain")]

    operations = [
        migrations.AddField(
            model_name="processinglog",
            name="lane",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="processinglog",
            index=models.Index(fields=["lane", "id"], name="audit_log_lane_id"),
        ),
        migrations.RunPython(recreate_trigger, migrations.RunPython.noop),
    ]
