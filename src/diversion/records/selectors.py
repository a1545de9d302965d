"""Reads of the records app, scoped by the policy; reads of personal data are logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max

from diversion.accounts.policy import can_read_field, visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Offence, Person
from diversion.core.pseudonyms import value_token
from diversion.records import context
from diversion.records.models import (
    CrimeRecord,
    ImportBatch,
    LinkageRun,
    LinkCandidate,
    RecordSource,
    RejectedRow,
)

COMPARED_FIELDS = (
    ("given_name", "Given name", "given_name"),
    ("family_name", "Family name", "family_name"),
    ("date_of_birth", "Date of birth", "date_of_birth"),
    ("sex", "Sex", "sex"),
    ("postcode_district", "Postcode district", "postcode_district"),
    ("pnc_id", "PNC ID", "pnc_id"),
    ("force_person_ref", "Force person reference", "force_reference"),
)


def sources(actor) -> list[RecordSource]:
    return list(visible(actor, RecordSource))


def imports(actor, *, limit: int = 50) -> list[ImportBatch]:
    return list(visible(actor, ImportBatch).select_related("source")[:limit])


def rejections(actor, batch: ImportBatch):
    """The batch's rejected rows (row number, field, reason: no values from the row)."""
    return visible(actor, RejectedRow).filter(batch=batch).order_by("row_number", "id")


def rejection_summary(actor, batch: ImportBatch, limit: int = 20) -> list[RejectedRow]:
    """The first rejected rows, for the import's page. Logged when there are any: they say
    which rows of a police extract were wrong, and how."""
    with transaction.atomic():
        shown = list(rejections(actor, batch)[:limit])
        if shown:
            record(actor=actor, operation=Operation.CONSULTATION, obj=batch,
                   justification="Import page: the first rejected rows of a police extract")
    return shown


def log_rejections_download(actor, batch: ImportBatch) -> None:
    """The rejection report leaves the application: a disclosure to whoever downloads it."""
    with transaction.atomic():
        record(actor=actor, operation=Operation.DISCLOSURE, obj=batch,
               recipient=f"{actor.username} ({actor.organisation.name})",
               justification="Download of an import's rejected rows as CSV "
                             "(row number, field, reason)")


def linkage_runs(actor, *, limit: int = 10) -> list[LinkageRun]:
    return list(visible(actor, LinkageRun)[:limit])


def review_queue(actor) -> list[LinkCandidate]:
    """Pairs waiting for a decision, most probable first. Logged: they are offence records."""
    with transaction.atomic():
        pending = list(visible(actor, LinkCandidate)
                       .filter(decision=LinkCandidate.Decision.PENDING)
                       .select_related("record", "record__offence_code"))
        if pending:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Linkage review queue: probable matches awaiting a decision",
                   subjects=[c.record for c in pending])
    return pending


@dataclass
class ComparedField:
    label: str
    record_value: str
    person_value: str
    same: bool
    level: str
    weight: float | None


def side_by_side(actor, pair: LinkCandidate) -> list[ComparedField]:
    """Both records, field by field. Fields the actor may not read show as pseudonyms."""
    crime, person = pair.record, pair.person
    rows = []
    with transaction.atomic():
        for name, label, person_name in COMPARED_FIELDS:
            left, right = getattr(crime, name), getattr(person, person_name)
            readable = (can_read_field(actor, CrimeRecord, name)
                        and can_read_field(actor, Person, person_name))
            shown_left = _shown(left) if readable else value_token(name, left)
            shown_right = _shown(right) if readable else value_token(name, right)
            compared = pair.comparisons.get(name, {})
            rows.append(ComparedField(
                label=label, record_value=shown_left, person_value=shown_right,
                same=value_token(name, left) == value_token(name, right),
                level=compared.get("level", "Not compared"), weight=compared.get("weight")))
        record(actor=actor, operation=Operation.CONSULTATION, obj=pair,
               justification="Linkage review: comparing a crime record with a person "
                             "(pseudonymised)", subjects=[crime, person])
    return rows


def _shown(value) -> str:
    if value in (None, ""):
        return "missing"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def person_context(actor, pair: LinkCandidate) -> dict:
    """Non-identifying context for the decision: the person's offences on cases."""
    offences = visible(actor, Offence).filter(person_id=pair.person_id)
    return {"offences": offences.count(),
            "codes": sorted(set(offences.values_list("offence_code_id", flat=True)))[:10]}


def crime_context(actor, *, start: date, end: date) -> context.Counts:
    """The context figure's counts for the actor's own force (records/context.py): counts
    only, but read from the force's crime records, so the read is logged."""
    with transaction.atomic():
        found = context.count(
            visible(actor, CrimeRecord).filter(force_id=actor.organisation_id),
            visible(actor, ImportBatch), start=start, end=end)
        record(actor=actor, operation=Operation.CONSULTATION,
               justification=f"Police records page: counts of the force's crime records "
                             f"flagged domestic abuse, recorded {start:%Y-%m-%d} to "
                             f"{end:%Y-%m-%d}")
    return found


def latest_recorded_date(actor) -> date | None:
    return visible(actor, CrimeRecord).filter(force_id=actor.organisation_id).aggregate(
        latest=Max("recorded_date"))["latest"]
