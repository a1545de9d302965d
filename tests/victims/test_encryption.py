"""Contact fields are ciphertext in the database, keys come from the environment and rotate."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from diversion.audit.models import ProcessingLog
from diversion.victims import crypto
from diversion.victims.models import CONTACT_FIELDS, ContactLogEntry, Victim
from tests.victims.helpers import make_victim

SECRET = {name: f"canary-{name}-7f3a" for name in CONTACT_FIELDS}


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_raw_database_holds_ciphertext_for_every_contact_field(cast):
    victim = make_victim(cast, **SECRET)
    for name, plain in SECRET.items():
        stored = _raw("victims_victim", name, victim.pk)
        assert plain not in stored
        assert stored.startswith("gAAAA")  # a Fernet token
    assert Victim.objects.get(pk=victim.pk).safe_words == SECRET["safe_words"]


def test_empty_values_stay_empty(cast):
    victim = make_victim(cast)
    assert _raw("victims_victim", "address", victim.pk) == ""
    assert Victim.objects.get(pk=victim.pk).address == ""


def test_rotation_re_encrypts_without_losing_data(cast):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(DIVERSION_FIELD_KEYS=[old]):
        victim = make_victim(cast, **SECRET)
        entry = ContactLogEntry.objects.create(
            victim=victim, contacted_on="2026-11-01", method="phone", outcome="spoke",
            notes="canary-notes", recorded_by=cast.users["victim_worker"])
        before = _raw("victims_victim", "address", victim.pk)
    with override_settings(DIVERSION_FIELD_KEYS=[new, old]):
        call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    after = _raw("victims_victim", "address", victim.pk)
    assert after != before
    with override_settings(DIVERSION_FIELD_KEYS=[new]):  # the old key is gone
        reloaded = Victim.objects.get(pk=victim.pk)
        assert {name: getattr(reloaded, name) for name in CONTACT_FIELDS} == SECRET
        assert ContactLogEntry.objects.get(pk=entry.pk).notes == "canary-notes"
    with override_settings(DIVERSION_FIELD_KEYS=[old]), pytest.raises(crypto.FieldDecryptionError):
        Victim.objects.get(pk=victim.pk)
    rows = ProcessingLog.objects.filter(justification__startswith="Key rotation")
    assert rows.exists() and all(row.operation == "alteration" for row in rows)


def test_rotation_with_an_unknown_key_changes_nothing(cast):
    from django.core.management.base import CommandError

    old, stranger = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(DIVERSION_FIELD_KEYS=[old]):
        victim = make_victim(cast, **SECRET)
    before = _raw("victims_victim", "phone", victim.pk)
    with override_settings(DIVERSION_FIELD_KEYS=[stranger]), pytest.raises(CommandError):
        call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _raw("victims_victim", "phone", victim.pk) == before


def test_decryption_errors_never_echo_the_value(cast):
    with pytest.raises(crypto.FieldDecryptionError) as raised:
        crypto.decrypt("not-a-token-canary")
    assert "canary" not in str(raised.value)


def _settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DIVERSION_FIELD_KEYS", "DATABASE_URL"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import diversion.settings"], env=environment,
        capture_output=True, text=True, check=False,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))) + "/src")


PRODUCTION = {"DIVERSION_ENV": "production", "DEBUG": "false", "ALLOWED_HOSTS": "example.org",
              "SECRET_KEY": "x" * 60}


def test_production_refuses_to_start_without_field_keys():
    result = _settings_in_subprocess(**PRODUCTION)
    assert result.returncode != 0
    assert "DIVERSION_FIELD_KEYS must be set in production" in result.stderr


def test_malformed_field_keys_are_refused():
    result = _settings_in_subprocess(DIVERSION_FIELD_KEYS="not-a-key")
    assert result.returncode != 0
    assert "DIVERSION_FIELD_KEYS must list Fernet keys" in result.stderr


def test_production_starts_with_a_key():
    result = _settings_in_subprocess(**PRODUCTION,
                                     DIVERSION_FIELD_KEYS=Fernet.generate_key().decode(),
                                     DIVERSION_LOG_KEYS="production-processing-log-key-0123456789")
    assert result.returncode == 0, result.stderr


def test_free_text_about_the_victim_is_ciphertext_too(cast):
    from django.utils import timezone

    from diversion.victims import services
    from tests.victims.helpers import home_case

    worker = cast.users["victim_worker"]
    case = home_case(cast)
    victim = make_victim(cast, case=case)
    consultation = services.save_consultation(worker, victim=victim, case=case, complete=False,
                                              values={"views": "canary-v",
                                                      "risk_details": "canary-r"})
    entry = services.add_contact(worker, victim, contacted_on=timezone.localdate(),
                                 method="phone", outcome="spoke", notes="canary-n")
    follow_up = services.record_follow_up(worker, victim=victim, case=case, point="3_months",
                                          contacted_on=timezone.localdate(),
                                          still_in_contact="no", change="none",
                                          own_words="canary-o")
    alert = services.raise_alert(worker, victim=victim, case=case, urgent=False,
                                 details="canary-d")
    for table, column, pk in (("victims_consultation", "views", consultation.pk),
                              ("victims_consultation", "risk_details", consultation.pk),
                              ("victims_contactlogentry", "notes", entry.pk),
                              ("victims_followup", "own_words", follow_up.pk),
                              ("victims_safeguardingalert", "details", alert.pk)):
        stored = _raw(table, column, pk)
        assert "canary" not in stored and stored.startswith("gAAAA"), (table, column)
