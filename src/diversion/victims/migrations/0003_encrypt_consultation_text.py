# The consultation's free text (the victim's views and risk concerns) is encrypted like the
# contact details. Rows written before this migration hold plaintext: encrypt them in place.

from django.db import migrations

import diversion.victims.crypto

COLUMNS = ("views", "risk_details")


def _convert(apps, schema_editor, forwards: bool) -> None:
    from diversion.victims import crypto

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(quote(c) for c in COLUMNS)} "  # noqa: S608
                       "FROM victims_consultation")
        for row in cursor.fetchall():
            values = []
            for value in row[1:]:
                if not value:
                    values.append(value)
                elif forwards:
                    values.append(value if value.startswith("gAAAAA") else crypto.encrypt(value))
                else:
                    values.append(crypto.decrypt(value))
            cursor.execute(
                f"UPDATE victims_consultation SET {', '.join(f'{quote(c)} = %s' for c in COLUMNS)} "  # noqa: S608
                "WHERE id = %s", [*values, row[0]])


class Migration(migrations.Migration):

    dependencies = [
        ('victims', '0002_victim_voice'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consultation',
            name='risk_details',
            field=diversion.victims.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='consultation',
            name='views',
            field=diversion.victims.crypto.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(lambda apps, editor: _convert(apps, editor, True),
                             lambda apps, editor: _convert(apps, editor, False)),
    ]
