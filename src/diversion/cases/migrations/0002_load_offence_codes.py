"""Load the Home Office offence codes reference table from cases/data/offence_codes.csv."""

from django.db import migrations

from diversion.cases.reference import load_offence_codes


def load(apps, schema_editor):
    load_offence_codes(apps.get_model("cases", "OffenceCode"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
