"""Uploads move from the database to files under RECORDS_UPLOAD_DIR (named by a random token).

An import still waiting when this runs keeps its file: its bytes are written out before the
column is dropped, and it is re-read from the top by the worker (its header and row count are
recomputed, so the stored row count is cleared).
"""

from django.db import migrations, models


def move_pending_files_out(apps, schema_editor):
    from diversion.records import uploads

    ImportBatch = apps.get_model("records", "ImportBatch")
    for batch in ImportBatch.objects.exclude(content=b"").iterator(chunk_size=1):
        content = bytes(batch.content)
        if not content:
            continue
        stored = uploads.store([content], max_bytes=len(content))
        ImportBatch.objects.filter(pk=batch.pk).update(stored_name=stored.name, content=b"",
                                                       rows_total=0)


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='headers',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='stored_name',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(move_pending_files_out, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='importbatch',
            name='status',
            field=models.CharField(choices=[('needs_mapping', 'Columns to map'), ('queued', 'Waiting to start'), ('inspecting', 'Checking the file'), ('staging', 'Checking rows'), ('merging', 'Saving records'), ('linking', 'Linking people'), ('done', 'Finished'), ('failed', 'Failed')], default='queued', max_length=16),
        ),
        migrations.RemoveField(
            model_name='importbatch',
            name='content',
        ),
    ]
