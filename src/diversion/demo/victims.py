"""Synthetic victims for the demo victim service, recorded through the victims services (so
every write is logged and the contact fields are encrypted). Every name and number is invented
(Ofcom drama ranges for phone numbers).

- `consult_demo_case` is called by the referral demo for each case that reached consultation:
  a victim with contact details, linked to the case, and a completed consultation.
- `build_victims` then, idempotently: gives each pre-consultation case a victim and a draft
  consultation, adds follow-ups and Victims' Code events on cases past the caution, a contact
  log per victim, and one urgent safeguarding alert.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import cast

from django.utils import timezone
from faker import Faker

from diversion.accounts.models import Organisation, User
from diversion.cases.models import Case
from diversion.victims import services
from diversion.victims.models import (
    CaseVictim,
    ConsultationOutcome,
    FollowUp,
    SafeguardingAlert,
    ServedForce,
    Victim,
)
from diversion.victims.schedules import follow_up_points

SERVICE, FORCE, WORKER = "solent-victim-care", "solent", "idva.morgan"
PAST_CAUTION = ("referred", "in_progress", "completed", "breached", "decided", "closed")
BEFORE_CONSULTATION = ("recorded", "eligible")


def _worker() -> User | None:
    return User.objects.filter(username=WORKER).first()


def _new_victim(worker: User, index: int) -> Victim:
    fake = Faker("en_GB")
    fake.seed_instance(2026 + index)
    rng = random.Random(index)
    victim = services.create_victim(worker, given_name=fake.first_name_female(),
                                    family_name=fake.last_name())
    services.update_contact_details(worker, victim, {
        "address": fake.street_address(), "postcode": f"SO1{index % 9 + 1} 2AB",
        "phone": f"+44 7700 900{100 + index % 900:03d}", "email": "",
        "safe_times": rng.choice(["Weekdays 10am to 2pm", "Evenings after 7pm",
                                  "Only when she texts first"]),
        "safe_words": rng.choice(["blue umbrella", "garden party", "library book"]),
        "perpetrator_knows_address": rng.choice(["yes", "no", "unknown"]),
        "refuge_status": rng.choice(["not_in_refuge", "not_in_refuge", "in_refuge"]),
    })
    return victim


def consult_demo_case(case, *, index: int, relationship: str) -> None:
    """Record a victim and a completed consultation supporting the OOCR (inside an atomic)."""
    worker = cast(User, _worker())  # build_demo_cases stops early when there is none
    victim = _new_victim(worker, index)
    services.link_case(worker, victim, case, relationship=relationship)
    services.save_consultation(worker, victim=victim, case=case, complete=True, values={
        "views": "Wants him to get help and the abuse to stop.",
        "consents_to_programme": True, "risk_raised": False, "dash_level": "standard",
        "outcome": ConsultationOutcome.SUPPORTS})


def build_victims(today: date, seed: int = 2026) -> int:
    """Fill in the victim side of the demo cases. Returns the number of records added."""
    service = Organisation.objects.filter(code=SERVICE).first()
    force = Organisation.objects.filter(code=FORCE).first()
    worker = _worker()
    if service is None or force is None or worker is None:
        return 0
    ServedForce.objects.get_or_create(victim_service=service, force=force)
    rng = random.Random(seed)
    added = 0
    # Cases waiting for their consultation: a victim and a half-finished draft.
    for case in (Case.objects.filter(force=force, status__in=BEFORE_CONSULTATION,
                                     victim_links__isnull=True).order_by("id")):
        victim = _new_victim(worker, 500 + case.pk)
        services.link_case(worker, victim, case, relationship="current_partner")
        services.save_consultation(worker, victim=victim, case=case, complete=False,
                                   values={"views": "Wants time to think it over."})
        added += 1
    # Cases past the caution: follow-ups when due, and the decision told to the victim.
    links = (CaseVictim.objects.filter(case__force=force, case__status__in=PAST_CAUTION,
                                       victim__victim_service=service)
             .select_related("case", "victim").order_by("id"))
    for link in links:
        case, victim = link.case, link.victim
        if FollowUp.objects.filter(case=case, victim=victim).exists():
            continue
        opened = timezone.localdate(case.created_at)
        for point, _label, months in follow_up_points(case.programme_code):
            when = opened + timedelta(days=30 * (months or 1))
            if when > today:
                break
            services.record_follow_up(
                worker, victim=victim, case=case, point=point, contacted_on=when,
                still_in_contact=rng.choice(["yes", "no"]),
                change=rng.choice(["positive", "positive", "none", "negative"]),
                own_words=rng.choice(["He listens more now.", "Nothing has changed.",
                                      "Calmer since the workshops."]))
            added += 1
        services.record_information(worker, victim=victim, case=case, kind="decision",
                                    told_on=min(opened + timedelta(days=2), today))
    # A contact log for every victim, once.
    for index, victim in enumerate(Victim.objects.filter(victim_service=service,
                                                         contacts__isnull=True)):
        services.add_contact(worker, victim, contacted_on=today - timedelta(days=index % 20 + 1),
                             method="phone", outcome=rng.choice(["spoke", "no_answer"]),
                             notes="Introductory call about the victim service.")
        added += 1
    # One urgent concern raised after the caution, pausing that case's bookings.
    first = links.filter(case__status="referred").first()
    if first and not SafeguardingAlert.objects.filter(case__force=force).exists():
        services.raise_alert(worker, victim=first.victim, case=first.case, urgent=True,
                             details="Victim reports threats by text since the caution.")
        added += 1
    return added
