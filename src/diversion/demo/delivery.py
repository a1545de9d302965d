"""Demo provider delivery, on top of the referral demo cases (idempotent).

Harbour Trust gets upcoming CARA and JUNO events; the in-progress JUNO case (Kelly Nash) has
its first contact and a deadline 10 days away, so it is on the police compliance page's
near-deadline list; the breached JUNO case (Leah Kemp) gets the missed session that sent it
back to police, so it is on the non-compliance list. Everything goes through the services.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from diversion.accounts.models import Organisation, User
from diversion.cases.models import Case
from diversion.delivery.models import Attendance, Booking, ContactAttempt, WorkshopEvent
from diversion.delivery.services import (
    create_event,
    record_contact,
    record_one_to_one,
    record_questionnaire,
)
from diversion.demo.referrals import PREFIX
from diversion.disposals.models import Disposal

VENUE = "Harbour Trust Centre, Southampton"
SWEMWBS_ITEMS = ["optimistic", "useful", "relaxed", "problems", "thinking", "close",
                 "own_mind"]


def build_demo_delivery(today: date) -> int:
    """Create the demo events and delivery records once. Returns how many events were made."""
    provider = Organisation.objects.filter(code="harbour-trust").first()
    facilitator = User.objects.filter(username="facilitator.hughes").first()
    if provider is None or facilitator is None:
        return 0
    if WorkshopEvent.objects.filter(provider=provider, venue=VENUE).exists():
        return 0
    staff = list(User.objects.filter(organisation=provider))
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    plan = [("cara", "part_a", saturday, "M"),
            ("cara", "part_a", saturday + timedelta(weeks=1), "M"),
            ("cara", "part_b", saturday + timedelta(weeks=4), "M"),
            ("cara", "part_b", saturday + timedelta(weeks=5), "M"),
            ("juno", "needs_assessment", today + timedelta(days=2), "F"),
            ("juno", "group_1", saturday, "F"),
            ("juno", "group_2", saturday + timedelta(weeks=2), "F")]
    with transaction.atomic():
        for code, session, day, sex in plan:
            create_event(facilitator, programme_code=code, session_id=session, starts_on=day,
                         venue=VENUE, sex=sex, capacity=12 if session != "needs_assessment" else 1,
                         facilitators=staff[:2])
        in_progress = Case.objects.filter(reference=f"{PREFIX}011").first()
        if in_progress is not None and in_progress.status == "in_progress":
            # Near its deadline, so police see it on the compliance page.
            Disposal.objects.filter(case=in_progress).update(deadline=today + timedelta(days=10))
            if not ContactAttempt.objects.filter(case=in_progress).exists():
                record_contact(facilitator, in_progress, made_on=today - timedelta(days=3),
                               method="phone", outcome="contacted")
                in_progress.refresh_from_db()
                # JUNO one-to-one support and the start SWEMWBS (the end one is still due).
                day = max(today - timedelta(days=2), in_progress.disposal.disposal_date)
                record_one_to_one(facilitator, in_progress, held_on=day, minutes=50,
                                  outcome="held", note="Demo: first support session",
                                  today=today)
                record_questionnaire(facilitator, in_progress, "swemwbs_pre",
                                     dict.fromkeys(SWEMWBS_ITEMS, 2))
        breached = Case.objects.filter(reference=f"{PREFIX}013").first()
        if breached is not None and breached.status == "breached":
            held = create_event(facilitator, programme_code="juno", session_id="group_1",
                                starts_on=today - timedelta(days=6), venue=VENUE, sex="F",
                                capacity=12, facilitators=staff[:2])
            booking = Booking.objects.create(case=breached, event=held, session_id="group_1",
                                             booked_by=facilitator)
            Attendance.objects.create(booking=booking, outcome="did_not_attend",
                                      recorded_by=facilitator)
    return len(plan)
