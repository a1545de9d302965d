"""Reads of people and offences, each scoped by the policy and written to the processing log."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.http import QueryDict

from diversion.accounts.policy import can_read_field, get_visible_or_404, visible
from diversion.accounts.policy.fields import PERSON_CONTACT_FIELDS
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import pnc
from diversion.cases.models import (
    Case,
    CaseEvent,
    EligibilityDecision,
    Offence,
    Person,
    PersonContact,
)
from diversion.core.paging import PER_PAGE, Listing, paginate


def recent_offences(actor, *, limit: int = 25, domestic_abuse_only: bool = True) -> list[Offence]:
    """The force's most recent offences awaiting an out-of-court decision, newest first."""
    with transaction.atomic():
        queryset = (
            visible(actor, Offence)
            .select_related("person", "offence_code")
            .filter(outcome_type="pending")
        )
        if domestic_abuse_only:
            queryset = queryset.filter(domestic_abuse=True)
        offences = list(queryset.order_by("-recorded_date", "-id")[:limit])
        if offences:
            record(
                actor=actor,
                operation=Operation.CONSULTATION,
                justification="Police OOCR work queue: offences awaiting a disposal decision",
                subjects=[offence.person for offence in offences],
            )
    return offences


# --- Offence to caution

def _same_pnc(term: str) -> Q:
    """A PNC ID typed as officers write it (19/54321X, 2-digit year, no leading zeroes) finds
    the stored form (2019/0054321X); anything that is not a PNC ID adds nothing."""
    try:
        return Q(person__pnc_id=pnc.normalise(term))
    except pnc.InvalidPNC:
        return Q(pk__in=[])


def find_cases(actor, *, params: QueryDict, terms: Sequence[str] = (), status: str = "",
               per_page: int = PER_PAGE) -> Listing:
    """One page of the force's OOCR cases, newest first, narrowed by each search word (case or
    crime reference, name, PNC ID) and a status; the people on the page are read-logged."""
    queryset = visible(actor, Case).select_related("person", "offence__offence_code")
    for term in terms:
        queryset = queryset.filter(
            Q(reference__icontains=term) | Q(offence__crime_reference__icontains=term)
            | Q(person__given_name__icontains=term) | Q(person__family_name__icontains=term)
            | Q(person__pnc_id__icontains=term) | Q(person__force_reference__iexact=term)
            | _same_pnc(term))
    if status:
        queryset = queryset.filter(status=status)
    with transaction.atomic():
        listing = paginate(queryset.order_by("-created_at", "-id"), params, per_page=per_page)
        if listing.items:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Police OOCR case list" + (" (search)" if terms else ""),
                   subjects=[case.person for case in listing.items])
    return listing


def case_for(request, pk: int, *, purpose: str):
    """One case the user may see (else a logged 404), its read written to the processing log."""
    with transaction.atomic():
        case = get_visible_or_404(request, Case, pk=pk)
        record(actor=request.user, operation=Operation.CONSULTATION, obj=case,
               subjects=[case.person], justification=purpose)
    return case


def timeline(actor, case) -> list:
    return list(visible(actor, CaseEvent).filter(case=case).select_related("actor")
                .order_by("-occurred_at", "-id"))


def latest_decision(actor, case):
    return visible(actor, EligibilityDecision).filter(case=case).first()


# --- The cautioned person's contact details (cases.PersonContact)

def contact_recorded(actor, *, person: Person) -> PersonContact | None:
    """Whether (and when) the person's contact details were recorded, without reading them:
    the encrypted columns are deferred, so nothing is decrypted and no value is shown."""
    return (visible(actor, PersonContact).filter(person=person)
            .only("pk", "person_id", "updated_at").first())


def contact_details(actor, *, person: Person, purpose: str) -> PersonContact | None:
    """The person's contact details if the policy lets the actor read them (scope and field
    rules), the read written to the processing log in the same transaction; else None."""
    if not all(can_read_field(actor, PersonContact, name) for name in PERSON_CONTACT_FIELDS):
        return None
    with transaction.atomic():
        contact = visible(actor, PersonContact).filter(person=person).first()
        if contact is not None:
            record(actor=actor, operation=Operation.CONSULTATION, obj=contact,
                   subjects=[person], justification=purpose)
    return contact
