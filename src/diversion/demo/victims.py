"""Synthetic victims for the demo victim service: contact details, contacts, consultations and
follow-ups on whatever demo cases exist. Idempotent: victims are made once; each run links
victims only to cases that have none yet. Every name and number is invented (Ofcom drama
ranges for phone numbers)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone
from faker import Faker

from diversion.accounts.models import Organisation, User
from diversion.victims import services
from diversion.victims.models import (
    CaseVictim,
    ConsultationOutcome,
    ServedForce,
    Victim,
)
from diversion.victims.schedules import follow_up_points

SERVICE, FORCE, WORKER = "solent-victim-care", "solent", "idva.morgan"
VICTIMS = 8
CASES_PER_RUN = 8


def build_victims(today: date, seed: int = 2026) -> int:
    """Create the demo victims and link them to unlinked demo cases. Returns cases linked."""
    from diversion.cases.models import Case

    service = Organisation.objects.filter(code=SERVICE).first()
    force = Organisation.objects.filter(code=FORCE).first()
    worker = User.objects.filter(username=WORKER).first()
    if service is None or force is None or worker is None:
        return 0
    ServedForce.objects.get_or_create(victim_service=service, force=force)
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    if not Victim.objects.filter(victim_service=service).exists():
        for index in range(VICTIMS):
            victim = services.create_victim(worker, given_name=fake.first_name_female(),
                                            family_name=fake.last_name())
            services.update_contact_details(worker, victim, {
                "address": fake.street_address(), "postcode": f"SO1{index % 9 + 1} 2AB",
                "phone": f"+44 7700 900{100 + index:03d}", "email": "",
                "safe_times": rng.choice(["Weekdays 10am to 2pm", "Evenings after 7pm",
                                          "Only when she texts first"]),
                "safe_words": rng.choice(["blue umbrella", "garden party", "library book"]),
                "perpetrator_knows_address": rng.choice(["yes", "no", "unknown"]),
                "refuge_status": rng.choice(["not_in_refuge", "not_in_refuge", "in_refuge"]),
            })
            services.add_contact(worker, victim, contacted_on=today - timedelta(days=index + 1),
                                 method="phone", outcome=rng.choice(["spoke", "no_answer"]),
                                 notes="Introductory call about the victim service.")
    victims = list(Victim.objects.filter(victim_service=service).order_by("id"))
    unlinked = (Case.objects.filter(force=force, victim_links__isnull=True)
                .select_related("force", "created_by").order_by("id")[:CASES_PER_RUN])
    linked = 0
    for index, case in enumerate(unlinked):
        victim = victims[index % len(victims)]
        if CaseVictim.objects.filter(case=case).exists():
            continue
        services.link_case(worker, victim, case, relationship="current_partner")
        opened = max(timezone.localdate(case.created_at), today - timedelta(days=400))
        if index % 4 == 3:  # a draft, half finished
            services.save_consultation(worker, victim=victim, case=case, complete=False,
                                       values={"views": "Wants time to think it over."})
            linked += 1
            continue
        services.save_consultation(worker, victim=victim, case=case, complete=True, values={
            "views": "Wants him to get help and the abuse to stop.",
            "consents_to_programme": True, "risk_raised": False, "dash_level": "standard",
            "outcome": ConsultationOutcome.SUPPORTS})
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
        services.record_information(worker, victim=victim, case=case, kind="decision",
                                    told_on=min(opened + timedelta(days=2), today))
        if index == 2:
            services.raise_alert(worker, victim=victim, case=case, urgent=True,
                                 details="Victim reports threats by text since the caution.")
        linked += 1
    return linked
