"""A cheaper import: the staging table UNLOGGED on PostgreSQL, and no separate index on crime
records' force (the unique (force, crime reference) index serves lookups by force), nor on
staged rows' batch and force (the (batch, crime reference) index serves lookups by batch).

The staging table is UNLOGGED on PostgreSQL: its rows are not written to the WAL.

Staged rows are scratch: an import re-stages from the top whenever it is re-run, and the
merge (which keeps the records, their history and the processing log) copies them into
logged tables in one transaction. After a server crash PostgreSQL empties an unlogged table;
an interrupted import then re-stages, as it does after any interruption. Standbys do not
receive unlogged rows, which is also fine for scratch data. SQLite: nothing to do.
"""

import django.db.models.deletion
from django.db import migrations, models


def _alter(logged: bool):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("records", "StagedRecord")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("records", "0003_import_progress"),
    ]

    operations = [
        migrations.RunPython(_alter(False), _alter(True), elidable=False),
        migrations.AlterField(
            model_name="crimerecord",
            name="force",
            field=models.ForeignKey(db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="crime_records", to="accounts.organisation"),
        ),
        migrations.AlterField(
            model_name="stagedrecord",
            name="batch",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="records.importbatch"),
        ),
        migrations.AlterField(
            model_name="stagedrecord",
            name="force",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="accounts.organisation"),
        ),
    ]
