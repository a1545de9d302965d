"""Booking a person onto a programme session: the rules, the offer, and the booking itself.

Every rule comes from the programme definition (session order, gaps in weeks, capacity) and the
case (the person's sex, the condition deadline), so a third programme needs no code change.
A booking is refused with the reason a provider can act on; the booking page only offers the
events for which `booking_problems` is empty.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.delivery.models import (
    AttendanceOutcome,
    Booking,
    BreachChoice,
    BreachDecision,
    WorkshopEvent,
)
from diversion.programmes import registry
from diversion.programmes.schema import ProgrammeDefinition
from diversion.victims import selectors as victim_selectors


class BookingRefused(Exception):
    """The booking breaks a rule; the message says which."""


def _bookings_paused(case: Case) -> bool:
    """An urgent safeguarding flag raised by the victim service pauses the case's bookings.

    The victims app answers yes or no only: no detail of the concern reaches the provider.
    """
    return victim_selectors.bookings_paused(case)


def definition_for(case: Case) -> ProgrammeDefinition:
    return registry.get(case.referral.programme_code, case.referral.programme_version)


def current_round(case: Case) -> int:
    """1, plus one for each re-booking decided after a breach (a re-booking repeats all parts)."""
    return 1 + BreachDecision.objects.filter(case=case, choice=BreachChoice.REBOOK).count()


def round_bookings(case: Case) -> list[Booking]:
    return list(Booking.objects.filter(case=case, round=current_round(case), cancelled=False)
                .select_related("event", "attendance"))


def _attended(booking: Booking) -> bool:
    attendance = getattr(booking, "attendance", None)
    return attendance is not None and attendance.outcome == AttendanceOutcome.ATTENDED


def _still_counts(booking: Booking) -> bool:
    """Booked and not yet marked, or attended; an excused place must be booked again."""
    attendance = getattr(booking, "attendance", None)
    return attendance is None or attendance.outcome == AttendanceOutcome.ATTENDED


def next_session(case: Case, definition: ProgrammeDefinition | None = None):
    """The first session of the plan this round has no live booking for (None: all booked)."""
    definition = definition or definition_for(case)
    held = {b.session_id for b in round_bookings(case) if _still_counts(b)}
    return next((s for s in definition.sessions if s.id not in held), None)


def sessions_attended(case: Case) -> set[str]:
    return {b.session_id for b in round_bookings(case) if _attended(b)}


def booking_problems(case: Case, event: WorkshopEvent, *, today: date | None = None,
                     taken: int | None = None) -> list[str]:
    """Every rule the booking would break (empty: it may go ahead)."""
    today = today or timezone.localdate()
    definition = definition_for(case)
    problems: list[str] = []
    if _bookings_paused(case):
        problems.append("Bookings for this case are paused by an urgent safeguarding flag")
    if case.status != Status.IN_PROGRESS:
        problems.append("Make first contact before booking: the case must be in progress")
    if event.provider_id != case.referral.provider_id or \
            event.programme_code != case.referral.programme_code:
        problems.append("This event is not for this person's programme and provider")
        return problems
    session = next_session(case, definition)
    if session is None:
        problems.append("Every session of this round is already booked")
        return problems
    if event.session_id != session.id:
        problems.append(f"Book {session.name} next: sessions are booked in order")
    if event.starts_on <= today:
        problems.append("This event has already started: choose a future date")
    if event.sex != case.person.sex:
        problems.append("Groups are single-sex: this event is for "
                        f"{event.get_sex_display().lower()}")
    taken = Booking.objects.filter(event=event, cancelled=False).count() if taken is None \
        else taken
    if taken >= event.capacity:
        problems.append(f"This event is full ({event.capacity} places)")
    deadline = case.disposal.deadline
    if event.starts_on > deadline:
        problems.append(f"This event is after the condition deadline ({deadline:%-d %B %Y})")
    if session.after:
        earlier = next((b for b in round_bookings(case)
                        if b.session_id == session.after and _still_counts(b)), None)
        if earlier is None:
            problems.append(f"Book {definition.session(session.after).name} first")
        else:
            gap = (event.starts_on - earlier.event.starts_on).days
            low = (session.min_weeks_after or 0) * 7
            high = session.max_weeks_after * 7 if session.max_weeks_after is not None else None
            if gap < low or (high is not None and gap > high):
                span = f"{session.min_weeks_after or 0}" + (
                    f" to {session.max_weeks_after}" if high is not None else " or more")
                problems.append(f"{session.name} must be {span} weeks after "
                                f"{definition.session(session.after).name} "
                                f"({earlier.event.starts_on:%-d %B %Y}); this is "
                                f"{gap // 7} weeks {gap % 7} days")
    # Leave room for what follows: a later session's minimum gap must still fit the deadline.
    for later in definition.sessions:
        if later.after == event.session_id and later.min_weeks_after and \
                event.starts_on + timedelta(weeks=later.min_weeks_after) > deadline:
            problems.append(f"{later.name} could not then be held before the condition "
                            f"deadline ({deadline:%-d %B %Y})")
    return problems


def bookable_events(actor, case: Case, *, today: date | None = None) -> list[WorkshopEvent]:
    """The events the booking page offers: only those that fit every rule."""
    events = (visible(actor, WorkshopEvent)
              .filter(programme_code=case.referral.programme_code,
                      starts_on__gt=today or timezone.localdate()).order_by("starts_on"))
    return [e for e in events if not booking_problems(case, e, today=today)]


def book(actor, case: Case, event_id: int, *, today: date | None = None) -> Booking:
    """Take a place; the event row is locked so two people cannot take the last place."""
    with transaction.atomic():
        event = visible(actor, WorkshopEvent).select_for_update().filter(pk=event_id).first()
        if event is None:
            raise BookingRefused("Choose an event from the list")
        case = Case.objects.select_for_update().get(pk=case.pk)
        taken = Booking.objects.filter(event=event, cancelled=False).count()
        problems = booking_problems(case, event, today=today, taken=taken)
        if problems:
            raise BookingRefused("; ".join(problems))
        booking = Booking.objects.create(case=case, event=event, session_id=event.session_id,
                                         round=current_round(case), booked_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=booking, subjects=[case.person],
               justification=f"Booked onto {event.session_id} on {event.starts_on:%Y-%m-%d}")
    return booking
