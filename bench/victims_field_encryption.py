"""Cost of victims' field encryption: write, read and key rotation, against plaintext baselines.

Run: DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/victims_field_encryption.py
(uses whatever DATABASE_URL names; migrates it; creates and deletes its own rows).
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")

import django  # noqa: E402

django.setup()

from cryptography.fernet import Fernet  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402

from diversion.accounts.models import Organisation  # noqa: E402
from diversion.victims.models import CONTACT_FIELDS, Victim  # noqa: E402

N = int(os.environ.get("BENCH_VICTIMS", "2000"))


def _timed(label: str, func) -> float:
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {elapsed * 1000:9.1f} ms  ({N / elapsed:,.0f} victims/s)")
    return elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    service, _ = Organisation.objects.get_or_create(
        code="bench-vs", defaults={"name": "Bench victim service", "kind": "victim_service"})
    values = {name: f"bench value for {name} 0123456789" for name in CONTACT_FIELDS}

    def write_encrypted():
        with transaction.atomic():
            Victim.objects.bulk_create(
                [Victim(victim_service=service, given_name="B", family_name=str(i), **values)
                 for i in range(N)])

    def write_plain_baseline():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE victims_victim SET address = %s WHERE id = %s",
                [(values["address"], pk) for pk in ids])

    def read_decrypting():
        list(Victim.objects.filter(victim_service=service).values_list(*CONTACT_FIELDS))

    def read_raw_baseline():
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(CONTACT_FIELDS)  # noqa: S608
                           + " FROM victims_victim WHERE victim_service_id = %s", [service.pk])
            cursor.fetchall()

    try:
        enc_write = _timed("bulk create, 8 encrypted fields each", write_encrypted)
        ids = list(Victim.objects.filter(victim_service=service).values_list("pk", flat=True))
        enc_read = _timed("read all 8 fields, decrypting", read_decrypting)
        raw_read = _timed("read all 8 fields, raw tokens (baseline)", read_raw_baseline)
        print(f"decryption read overhead: {enc_read / raw_read:.1f}x the raw read")
        new = Fernet.generate_key().decode()
        from django.conf import settings

        with override_settings(DIVERSION_FIELD_KEYS=[new, *settings.DIVERSION_FIELD_KEYS]):
            _timed("rotate_field_keys over the victims table",
                   lambda: call_command("rotate_field_keys", stdout=io.StringIO()))
        _timed("plain UPDATE of one column (baseline)", write_plain_baseline)
        print(f"encrypted bulk create per victim: {enc_write / N * 1e6:.0f} µs")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM victims_victim WHERE victim_service_id = %s", [service.pk])
        service.delete()


if __name__ == "__main__":
    main()
