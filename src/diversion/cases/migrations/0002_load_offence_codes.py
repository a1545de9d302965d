"""Load the Home Office offence codes reference table from cases/data/offence_codes.csv."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "offence_codes.csv"


def load(apps, schema_editor):
    OffenceCode = apps.get_model("cases", "OffenceCode")
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            OffenceCode.objects.update_or_create(
                code=row["code"],
                defaults={"description": row["description"], "group": row["group"],
                          "violence": row["violence"] == "true"},
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
