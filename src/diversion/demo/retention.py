"""Demo retention and subject-access data: the sweep's first list of records past their
retention date, and one subject-access request for a person with a caution, in Solent."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from diversion.accounts.models import Organisation, User
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Case, Offence, Person
from diversion.retention.models import RetentionReview, SubjectAccessRequest
from diversion.retention.services import record_request, run_sweep


def build_demo_retention(today: date) -> None:
    force = Organisation.objects.filter(code="solent").first()
    admin = User.objects.filter(username="admin.brennan").first()
    if force is None or admin is None:
        return
    if not RetentionReview.objects.filter(organisation=force).exists():
        _old_person(force, today)
        run_sweep(today)
    if SubjectAccessRequest.objects.filter(organisation=force).exists():
        return
    case = (Case.objects.filter(force=force, disposal__isnull=False).order_by("pk").first()
            or Case.objects.filter(force=force).order_by("pk").first())
    if case is not None:
        record_request(actor=admin, subject_type="person",
                       reference=case.person.force_reference,
                       received_on=today - timedelta(days=10),
                       identity_checked="Demo: driving licence and a utility bill seen")


def _old_person(force: Organisation, today: date) -> None:
    """A person whose only offence was recorded eight years ago, with no case: past the
    6-year default, so the sweep lists them for the administrator's review."""
    then = today - timedelta(days=8 * 365)
    with transaction.atomic():
        person, created = Person.objects.get_or_create(
            force=force, force_reference="SOL-RET-0001",
            defaults={"given_name": "Jordan", "family_name": "Retention-Demo", "sex": "M",
                      "date_of_birth": date(1980, 5, 17), "postcode_district": "SO15"})
        if not created:
            return
        Offence.objects.create(force=force, person=person, crime_reference="SOL/RET/2018/1",
                               offence_code_id="105A", offence_date=then,
                               recorded_date=then + timedelta(days=1),
                               relationship="stranger", outcome_type="nfa")
        record(actor=None, operation=Operation.COLLECTION, subjects=[person],
               justification="Synthetic demo data: a person past the retention date")
