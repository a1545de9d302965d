"""The staging table is UNLOGGED on PostgreSQL: its rows are not written to the WAL.

Staged rows are scratch: an import re-stages from the top whenever it is re-run, and the
merge (which keeps the records, their history and the processing log) copies them into
logged tables in one transaction. After a server crash PostgreSQL empties an unlogged table;
an interrupted import then re-stages, as it does after any interruption. Standbys do not
receive unlogged rows, which is also fine for scratch data. SQLite: nothing to do.
"""

from django.db import migrations


def _alter(logged: bool):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("records", "StagedRecord")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [("records", "0003_import_progress")]

    operations = [migrations.RunPython(_alter(False), _alter(True), elidable=False)]
