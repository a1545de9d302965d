"""Synthetic people and offence histories for a force, with realistic shares and dates."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from diversion.cases import pnc
from diversion.cases.models import Offence, OutcomeType, Person, Relationship, Sex
from diversion.demo.organisations import POSTCODE_DISTRICTS

# (offence code, weight, usually domestic abuse?)
OFFENCE_MIX = [
    ("105A", 30, True), ("8N", 8, True), ("8L", 10, True), ("8U", 4, True), ("8Q", 3, True),
    ("8R", 4, True), ("58A", 8, True), ("58C", 5, False), ("58D", 4, False), ("9A", 8, False),
    ("49", 5, False), ("46", 6, False), ("92E", 4, False), ("5D", 1, True),
]
ETHNICITY_WEIGHTS = {"W1": 80, "W2": 1, "W9": 4, "M1": 1, "M3": 1, "M9": 1, "A1": 2, "A2": 1,
                     "A3": 1, "A4": 1, "B1": 1, "B2": 2, "O9": 1, "NS": 3}


def build_force_people(force, count: int, today: date, seed: int) -> tuple[int, int]:
    """Create `count` people with 1–4 offences each for `force`. Returns (people, offences)."""
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    area = POSTCODE_DISTRICTS.get(force.code, ["ZZ1"])
    codes, weights, da_flags = zip(*[(c, w, d) for c, w, d in OFFENCE_MIX], strict=True)
    ethnicities = list(ETHNICITY_WEIGHTS)
    people = []
    for index in range(count):
        sex = Sex.MALE if rng.random() < 0.78 else Sex.FEMALE
        given = fake.first_name_male() if sex == Sex.MALE else fake.first_name_female()
        born = today - timedelta(days=rng.randint(18 * 365 + 30, 64 * 365))
        has_pnc = rng.random() < 0.7
        people.append(Person(
            force=force,
            force_reference=f"{force.code.upper()[:3]}P{index + 1:06d}",
            given_name=given,
            family_name=fake.last_name(),
            date_of_birth=born,
            sex=sex,
            ethnicity=rng.choices(ethnicities, weights=list(ETHNICITY_WEIGHTS.values()))[0],
            pnc_id=pnc.make(rng.randint(2000, today.year - 1), rng.randint(1, 999_999))
            if has_pnc else "",
            postcode_district=rng.choice(area),
        ))
    Person.objects.bulk_create(people)
    people = list(Person.objects.filter(force=force).order_by("id"))

    offences = []
    serial = 0
    for person in people:
        for _ in range(rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]):
            serial += 1
            i = rng.choices(range(len(codes)), weights=weights)[0]
            domestic = da_flags[i] if rng.random() < 0.85 else not da_flags[i]
            offence_date = today - timedelta(days=rng.randint(1, 3 * 365))
            recorded = offence_date + timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 5]))
            recorded = min(recorded, today)
            age_days = (today - offence_date).days
            if age_days < 60 and rng.random() < 0.7:
                outcome, outcome_date = OutcomeType.PENDING, None
            else:
                outcome = rng.choices(
                    [OutcomeType.CHARGE, OutcomeType.CONVICTION, OutcomeType.CAUTION,
                     OutcomeType.CONDITIONAL_CAUTION, OutcomeType.COMMUNITY_RESOLUTION,
                     OutcomeType.NO_FURTHER_ACTION],
                    weights=[15, 20, 10, 15, 10, 30])[0]
                outcome_date = min(recorded + timedelta(days=rng.randint(1, 120)), today)
            relationship = (
                rng.choice([Relationship.CURRENT_PARTNER, Relationship.CURRENT_PARTNER,
                            Relationship.FORMER_PARTNER, Relationship.FAMILY_MEMBER])
                if domestic else
                rng.choice([Relationship.STRANGER, Relationship.OTHER_KNOWN,
                            Relationship.NO_VICTIM])
            )
            offences.append(Offence(
                force=force, person=person,
                crime_reference=(f"{force.code.upper()[:3]}/"
                                 f"{offence_date.year % 100:02d}/{serial:06d}"),
                offence_code_id=codes[i], offence_date=offence_date, recorded_date=recorded,
                domestic_abuse=domestic, relationship=relationship,
                outcome_type=outcome, outcome_date=outcome_date,
            ))
    Offence.objects.bulk_create(offences)
    return len(people), len(offences)
