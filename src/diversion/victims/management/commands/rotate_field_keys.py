"""Re-encrypt every encrypted field (victims' and the cautioned person's contact details, in
every app) under the first key in DIVERSION_FIELD_KEYS.

Rotation: put the new key first (keep the old one after it), run this, check it reports no
failures, then remove the old key. Rows are rewritten in batches, each in its own transaction
with a processing-log row, so an interrupted run can simply be run again.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.core import crypto

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the newest key (no data is lost)."

    def handle(self, *args, **options):
        total = 0
        # Every installed model (victims and cases today), so a new app's encrypted fields
        # rotate without touching this; it imports no app of theirs.
        for model in apps.get_models():
            columns = [f for f in model._meta.concrete_fields
                       if isinstance(f, crypto.EncryptedTextField)]
            if not columns:
                continue
            total += self._rotate_model(model, columns)
        self.stdout.write(f"Re-encrypted {total} values under the current primary key.")

    def _rotate_model(self, model, columns) -> int:
        # Work on the stored tokens directly (values() would decrypt through the field).
        table = model._meta.db_table
        names = [f.column for f in columns]
        pk = model._meta.pk.column
        rotated = 0
        last = None
        from django.db import connection

        quote = connection.ops.quote_name
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    where = f"WHERE {quote(pk)} > %s " if last is not None else ""
                    cursor.execute(
                        f"SELECT {quote(pk)}, {', '.join(quote(n) for n in names)} "  # noqa: S608
                        f"FROM {quote(table)} {where}ORDER BY {quote(pk)} LIMIT {BATCH}",
                        [last] if last is not None else [])
                    rows = cursor.fetchall()
                    if not rows:
                        return rotated
                    for row in rows:
                        new = []
                        for token in row[1:]:
                            if token:
                                try:
                                    new.append(crypto.rotate(token))
                                except crypto.FieldDecryptionError:
                                    raise CommandError(
                                        f"{model._meta.label} {row[0]}: a value cannot be "
                                        "decrypted with any configured key; nothing in this "
                                        "batch was changed") from None
                                rotated += 1
                            else:
                                new.append(token)
                        sets = ", ".join(f"{quote(n)} = %s" for n in names)
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {sets} WHERE {quote(pk)} = %s",  # noqa: S608
                            [*new, row[0]])
                    last = rows[-1][0]
                record(actor=None, operation=Operation.ALTERATION,
                       subjects=[(model._meta.label, row[0]) for row in rows],
                       justification=f"Key rotation: {model._meta.label} fields re-encrypted "
                                     "under the newest key (values unchanged)")
