"""A demo cohort for the commissioner's delivery and outcome figures.

24 synthetic CARA referrals to Harbour Trust for Solent, spread over the last nine months, with
first contacts, attended workshops, completions, post-workshop questionnaires and victims'
follow-ups, so the demo dashboard shows those figures above the disclosure threshold. Writes go
through the delivery and victims services where they exist (so the processing log is as a real
case's); the cohort's cases and referrals are made directly, as the test builders do.
Idempotent: nothing is added if the cohort exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import Organisation, User
from diversion.cases import pnc
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case, CaseEvent, Offence, Person
from diversion.cases.services import transition
from diversion.delivery.models import Attendance, Booking
from diversion.delivery.services import create_event, record_contact, record_questionnaire
from diversion.disposals.models import Disposal, Referral
from diversion.victims.models import CaseVictim, Victim
from diversion.victims.services import add_contact, record_follow_up

PREFIX = "DEMO-COHORT-"
SIZE = 24
VENUE = "Harbour Trust Centre, Portsmouth (past workshops)"
# Mostly positive, so the small "no change" and "negative" counts protect each other and the
# positive count and its share can be shown (tied counts would hide the positive one).
CHANGES = ["positive", "positive", "none", "positive", "negative", "positive"]
FACTS = dict(admission=True, on_bail=False, court_order=False, community_sentence=False,
             violence_disposal_within_2_years=False, interpreter_needed=False,
             appropriate_adult_needed=False)


def build_outcome_cohort(today: date) -> int:
    """Create the cohort once. Returns how many cases were made."""
    force = Organisation.objects.filter(code="solent").first()
    provider = Organisation.objects.filter(code="harbour-trust").first()
    service = Organisation.objects.filter(code="solent-victim-care").first()
    officer = User.objects.filter(username="sgt.okafor").first()
    facilitator = User.objects.filter(username="facilitator.hughes").first()
    worker = User.objects.filter(username="idva.morgan").first()
    if not all((force, provider, service, officer, facilitator, worker)):
        return 0
    if Case.objects.filter(reference__startswith=PREFIX).exists():
        return 0
    with transaction.atomic():
        event = create_event(facilitator, programme_code="cara", session_id="part_a",
                             starts_on=today - timedelta(days=1), venue=VENUE, sex="M",
                             capacity=SIZE, facilitators=[facilitator])
        for i in range(SIZE):
            _one(i, today, force, provider, service, officer, facilitator, worker, event)
    return SIZE


def _one(i, today, force, provider, service, officer, facilitator, worker, event) -> None:
    referred_on = today - timedelta(days=15 + 11 * i)
    caution = referred_on - timedelta(days=1)
    adults = Person.objects.filter(force=force, sex="M",
                                   date_of_birth__lte=today - timedelta(days=365 * 20))
    # Someone with no case yet; in a very small demo force, someone again (a second case).
    person = (adults.filter(cases__isnull=True).order_by("id").first()
              or adults.order_by("id")[i % max(adults.count(), 1):].first())
    if person is None:  # no adult man at all: add one rather than fail
        person = Person.objects.create(
            force=force, force_reference=f"{PREFIX}P{i:03d}", given_name="Demo",
            family_name=f"Cohort{i:03d}", sex="M", date_of_birth=date(1975 + i, 2, 5),
            pnc_id=pnc.make(2016, 700_000 + i))
    offence_day = caution - timedelta(days=14)
    offence = Offence.objects.create(
        force=force, person=person, crime_reference=f"{PREFIX}CR{i:03d}",
        offence_code_id="105A", offence_date=offence_day, recorded_date=offence_day,
        domestic_abuse=True, relationship="current_partner")
    at = timezone.make_aware(datetime.combine(referred_on, time(10)))
    case = Case.objects.create(
        reference=f"{PREFIX}{i:03d}", force=force, person=person, offence=offence,
        programme_code="cara", status=Status.REFERRED, created_by=officer, dash_risk="standard",
        created_at=timezone.make_aware(datetime.combine(offence_day + timedelta(days=1),
                                                        time(9))), **FACTS)
    Disposal.objects.create(
        case=case, regime="cja2003_conditional", disposal_date=caution,
        authorising_officer="Sgt G Okafor 4471", authorising_rank="sergeant",
        deadline=caution + timedelta(weeks=16), signed_document=True,
        time_limit_basis="s127", time_limit_explanation="MCA 1980 s.127: 6 months",
        recorded_by=officer)
    Referral.objects.create(case=case, programme_code="cara", programme_version=1,
                            provider=provider, referred_by=officer, referred_at=at,
                            first_contact_due=caution + timedelta(days=14))
    # First contact 2 to 20 days after the caution (a few miss the 14-day target).
    record_contact(facilitator, case, made_on=min(caution + timedelta(days=2 + (i * 7) % 19),
                                                  today), method="phone", outcome="contacted")
    if i < 4:
        return  # recent referrals: contacted, not yet started
    case.refresh_from_db()
    booking = Booking.objects.create(case=case, event=event, session_id="part_a",
                                     booked_by=facilitator)
    Attendance.objects.create(booking=booking, outcome="attended", recorded_by=facilitator)
    if i < 8:
        return  # started, still in progress
    transition(facilitator, case, Status.COMPLETED, expected_version=case.version,
               title="Programme completed (demo data)")
    CaseEvent.objects.filter(case=case, to_status=Status.COMPLETED).update(
        occurred_at=timezone.make_aware(datetime.combine(
            min(caution + timedelta(days=60 + i % 25), today), time(16))))
    record_questionnaire(facilitator, case, "cara_post", {
        "abuse_harms_children": 4, "own_responsibility": 5, "ask_for_help": 4,
        "changed_attitude_partner": 5 if i % 3 else 2,  # two in three agree
        "changed_attitude_children": 4 if i % 2 else 3})
    victim = Victim.objects.create(victim_service=service, given_name="Demo",
                                   family_name=f"Partner{i:03d}")
    CaseVictim.objects.create(case=case, victim=victim, relationship="current_partner")
    # A contact log entry, as the victims demo gives every victim (so its re-run adds none).
    add_contact(worker, victim, contacted_on=min(caution + timedelta(days=3), today),
                method="phone", outcome="spoke", notes="Introductory call about the service.")
    record_follow_up(worker, victim=victim, case=case, point="during_workshops",
                     contacted_on=min(caution + timedelta(days=40), today),
                     still_in_contact="yes", change=CHANGES[i % len(CHANGES)], own_words="")
