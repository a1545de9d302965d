"""Reads for providers: the referral queue, their cases, events and timeline; police progress."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.http import QueryDict

from diversion.accounts.models import User
from diversion.accounts.policy import PROVIDER, visible
from diversion.accounts.policy.scopes import PROVIDER_CONTACT_STATUSES
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import selectors as case_selectors
from diversion.cases.models import Case, CaseEvent, PersonContact
from diversion.core.paging import Listing, paginate
from diversion.disposals.models import Referral
from diversion.programmes import registry


def referral_queue(actor, *, limit: int = 100) -> list[Referral]:
    """Referrals to the user's provider whose case awaits the provider, oldest first."""
    with transaction.atomic():
        referrals = list(
            visible(actor, Referral)
            .filter(case__status="referred")
            .select_related("case__person", "case__offence__offence_code", "case__disposal")
            .order_by("referred_at", "id")[:limit])
        if referrals:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Provider referral queue",
                   subjects=[r.case.person for r in referrals])
    return referrals


IN_DELIVERY = ("in_progress", "breached", "decided", "completed")


def referral_page(actor, *, params: QueryDict, waiting: bool, terms: Sequence[str] = (),
                  param: str = "page") -> Listing:
    """One page of the provider's referrals: those waiting for first contact (oldest first)
    or those in delivery (earliest deadline first), narrowed by each search word (case
    reference or name); the people on the page are read-logged."""
    queryset = (visible(actor, Referral)
                .select_related("case__person", "case__offence__offence_code", "case__disposal"))
    if waiting:
        queryset = queryset.filter(case__status="referred").order_by("referred_at", "id")
    else:
        queryset = (queryset.filter(case__status__in=IN_DELIVERY)
                    .order_by("case__disposal__deadline", "id"))
    for term in terms:
        queryset = queryset.filter(Q(case__reference__icontains=term)
                                   | Q(case__person__given_name__icontains=term)
                                   | Q(case__person__family_name__icontains=term))
    with transaction.atomic():
        listing = paginate(queryset, params, param=param)
        if listing.items:
            record(actor=actor, operation=Operation.CONSULTATION,
                   justification="Provider referral queue" if waiting else "Provider case list",
                   subjects=[r.case.person for r in listing.items])
    return listing


# --- Provider delivery: the provider's cases, events and timeline; police progress.
def with_waiting(referrals: list[Referral], today) -> list[Referral]:
    """Annotate each referral with days waited, the programme's target and the sweep's flag."""
    from diversion.delivery.models import Reminder, ReminderKind

    flagged = set(Reminder.objects.filter(case__in=[r.case for r in referrals],
                                          kind=ReminderKind.FIRST_CONTACT_OVERDUE)
                  .values_list("case_id", flat=True))
    for referral in referrals:
        definition = registry.get(referral.programme_code, referral.programme_version)
        # Read by the home template only; Referral (cases app) declares none of the three.
        referral.target_days = definition.first_contact_days  # type: ignore[attr-defined]
        referral.waited_days = (  # type: ignore[attr-defined]
            today - referral.case.disposal.disposal_date).days
        referral.overdue = referral.case_id in flagged  # type: ignore[attr-defined]
    return referrals


def provider_case(*, actor: User, referral: Referral, purpose: str) -> Case:
    """The case of a referral to the actor's provider (the view fetches the referral with
    policy.get_visible_or_404, a logged 404 otherwise), read-logged."""
    case = referral.case
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION, obj=case,
               subjects=[case.person], justification=purpose)
    return case


def first_contact_details(actor: User, case: Case) -> PersonContact | None:
    """The person's contact details for the provider while this case is referred or in
    progress (the scope says the same of any of the person's cases with this provider; this
    page shows them only for its own case), read-logged; None before and after."""
    if case.status not in PROVIDER_CONTACT_STATUSES:
        return None
    return case_selectors.contact_details(
        actor, person=case.person,
        purpose="Provider: the person's contact details, to make and keep contact")


def provider_timeline(actor, case) -> list[dict]:
    """Status events and provider notes, newest first: notes are provider-only."""
    from diversion.delivery.models import CaseNote

    items = [{"at": e.occurred_at, "title": e.title, "detail": e.detail, "note": False}
             for e in visible(actor, CaseEvent).filter(case=case)]
    items += [{"at": n.written_at, "title": f"Note by {n.author.get_full_name()}",
               "detail": n.text, "note": True}
              for n in visible(actor, CaseNote).filter(case=case).select_related("author")]
    return sorted(items, key=lambda item: item["at"], reverse=True)


def police_progress(actor, case) -> list:
    """What police see of delivery: each booking's session, date and attendance outcome."""
    from diversion.delivery.models import Booking

    with transaction.atomic():
        bookings = list(visible(actor, Booking).filter(case=case)
                        .select_related("event", "attendance").order_by("round", "id"))
        record(actor=actor, operation=Operation.CONSULTATION, obj=case, subjects=[case.person],
               justification="Police view of attendance and completion")
    return bookings
def police_one_to_ones(actor, case, definition) -> dict | None:
    """What police see of one-to-one sessions: held and did-not-attend counts and dates (never
    the length or the note: FIELD_READERS), or None if the programme has none."""
    from diversion.delivery.models import OneToOneOutcome, OneToOneSession

    spec = definition.one_to_ones if definition is not None else None
    if spec is None:
        return None
    rows = list(visible(actor, OneToOneSession).filter(
        case=case, outcome__in=[OneToOneOutcome.HELD, OneToOneOutcome.DID_NOT_ATTEND])
        .order_by("held_on", "id").values_list("outcome", "held_on"))
    held = [on for outcome, on in rows if outcome == OneToOneOutcome.HELD]
    missed = [on for outcome, on in rows if outcome == OneToOneOutcome.DID_NOT_ATTEND]
    return {"name": spec.name, "expected": spec.expected, "required": spec.required_held,
            "held": held, "did_not_attend": missed}


def register_bookings(actor, event) -> list:
    """The people booked onto an event, for its register (read-logged)."""
    from diversion.delivery.models import Booking

    with transaction.atomic():
        bookings = list(visible(actor, Booking).filter(event=event, cancelled=False)
                        .select_related("case__person", "attendance"))
        if bookings:
            record(actor=actor, operation=Operation.CONSULTATION, obj=event,
                   subjects=[b.case.person for b in bookings],
                   justification="Attendance register")
    return bookings


def marked_booking(actor, event, pk: int):
    """One booking on an event's register that has a saved mark (read-logged), or None."""
    from diversion.delivery.models import Booking

    with transaction.atomic():
        booking = (visible(actor, Booking).filter(event=event, pk=pk, cancelled=False,
                                                  attendance__isnull=False)
                   .select_related("case__person", "attendance").first())
        if booking is not None:
            record(actor=actor, operation=Operation.CONSULTATION, obj=event,
                   subjects=[booking.case.person], justification="Attendance mark to correct")
    return booking


def event_sessions() -> list[tuple[str, str]]:
    """The sessions an event can be for, as "programme:session" choices."""
    return [(f"{d.code}:{s.id}", f"{d.name}: {s.name}")
            for d in registry.all_definitions() for s in d.sessions]


def event_facilitators(actor) -> list[tuple[str, str]]:
    """The people of the actor's provider who can run an event (no API client's account)."""
    staff = User.objects.filter(organisation_id=actor.organisation_id, role__in=PROVIDER,
                                is_active=True, is_api_client=False).order_by("pk")
    return [(str(u.pk), u.get_full_name() or u.username) for u in staff]
# --- end provider delivery
