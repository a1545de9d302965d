"""Disposal, Referral and VictimViewDecision moved to the `disposals` app.

Only Django's idea of which app owns them changes: the tables keep their names (the models set
`db_table`), so the database is left as it is.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_victim_view_decision'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Disposal'),
                migrations.DeleteModel(name='Referral'),
                migrations.DeleteModel(name='VictimViewDecision'),
            ],
            database_operations=[],
        ),
    ]
