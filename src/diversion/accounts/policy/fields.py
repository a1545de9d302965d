"""Which roles may read each sensitive field, by app and model. A field not listed is readable
by whoever may see its object. Analysts and commissioners see pseudonymised data only, and
victims' details reach victim workers only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model

from diversion.accounts.policy.rules import POLICE, PROVIDER, VICTIM_WORKERS
from diversion.accounts.roles import Role

IDENTIFYING_PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "pnc_id",
                             "force_reference", "postcode_district")
VICTIM_CONTACT_FIELDS = ("address", "postcode", "phone", "email", "safe_times", "safe_words",
                         "perpetrator_knows_address", "refuge_status")
# The cautioned person's contact details (cases.PersonContact): the force and the provider
# delivering their programme only; the scope also ends the provider's reads with delivery.
PERSON_CONTACT_FIELDS = ("phone", "email", "address", "postcode", "safe_methods", "notes")
RECORD_IDENTIFYING_FIELDS = ("given_name", "family_name", "date_of_birth", "pnc_id",
                             "force_person_ref", "postcode_district")

FIELD_READERS: dict[tuple[str, str], frozenset[str]] = {
    ("accounts.User", "email"): frozenset({Role.ADMINISTRATOR}),
    **{("cases.Person", name): POLICE | PROVIDER for name in IDENTIFYING_PERSON_FIELDS},
    **{("cases.PersonContact", name): POLICE | PROVIDER for name in PERSON_CONTACT_FIELDS},
    **{("victims.Victim", name): VICTIM_WORKERS for name in VICTIM_CONTACT_FIELDS},
    ("victims.Victim", "given_name"): VICTIM_WORKERS,
    ("victims.Victim", "family_name"): VICTIM_WORKERS,
    ("victims.SafeguardingAlert", "details"): VICTIM_WORKERS,
    # A closure's free text may name people; analysts building a cohort read the reason only.
    ("disposals.Closure", "detail"): POLICE,
    # Workshop content never reaches police, even through a row they share with the provider.
    ("delivery.Attendance", "reason"): PROVIDER,
    ("delivery.Booking", "event"): PROVIDER,
    ("delivery.BreachDecision", "rationale"): POLICE,
    # One-to-one support: police see the outcome and the date only.
    ("delivery.OneToOneSession", "note"): PROVIDER,
    ("delivery.OneToOneSession", "minutes"): PROVIDER,
    # Crime records' identities stay with the police: analysts see them pseudonymised
    # (docs/decisions/0002-records-imports-and-linkage.md).
    **{("records.CrimeRecord", name): POLICE for name in RECORD_IDENTIFYING_FIELDS},
    **{("records.CrimeRecordVersion", name): POLICE for name in RECORD_IDENTIFYING_FIELDS},
}


def can_read_field(user, model: type[Model], field_name: str) -> bool:
    readers = FIELD_READERS.get((model._meta.label, field_name))
    return readers is None or user.role in readers


def readable_fields(user, model: type[Model], names: Iterable[str]) -> list[str]:
    return [name for name in names if can_read_field(user, model, name)]
