"""The log is written in lanes, each its own chain (audit/lanes.py); earlier rows are lane 0.

SQLite may rebuild the table to add a column, which drops its triggers, so the append-only
trigger is re-created afterwards with 0006's function.
"""

from importlib import import_module

from django.db import migrations, models

# The same re-creation as 0006 (a module name starting with a digit needs import_module).
recreate_trigger = import_module("diversion.audit.migrations.0006_keyed_chain").recreate_trigger


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
