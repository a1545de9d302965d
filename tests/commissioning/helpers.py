from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from diversion.accounts.models import Organisation
from diversion.accounts.roles import OrganisationKind, Role
from diversion.cases.models import Case
from diversion.commissioning import aggregates
from diversion.commissioning.models import CommissionedForce, Contract
from diversion.disposals.models import Closure, Referral
from tests.factories import make_offence, make_person, make_user


def oversee(cast) -> None:
    CommissionedForce.objects.create(commissioner_office=cast.orgs["pcc"],
                                     force=cast.orgs["force"])


def other_office(cast):
    office = Organisation.objects.create(name="Other PCC Office",
                                         kind=OrganisationKind.COMMISSIONER, code="other-pcc")
    CommissionedForce.objects.create(commissioner_office=office, force=cast.outsider_org)
    return make_user("other_commissioner", Role.COMMISSIONER, office)


def make_contract(cast, **extra) -> Contract:
    fields = {"commissioner_office": cast.orgs["pcc"], "programme_code": "CARA",
              "provider": cast.orgs["provider"], "start_date": date(2025, 4, 1),
              "end_date": date(2028, 3, 31), "annual_value": Decimal("125000"),
              "target_referrals": 240, "target_starts": 200, "target_completions": 170,
              "target_days_to_first_contact": 14, "created_by": cast.users[Role.COMMISSIONER]}
    fields.update(extra)
    return Contract.objects.create(**fields)


_serial = [0]
REFERRED_OR_LATER = {"referred", "in_progress", "completed", "breached", "decided", "closed"}


def make_cases(cast, force, n: int, *, status="recorded", programme="CARA", sex="M",
               born=date(1990, 1, 1), ethnicity="W1", on=date(2026, 5, 1),
               provider=None, closed_for: str = "programme_completed") -> None:
    """Cases at `status`; from "referred" on, each has a referral (dated `on`) to `provider`
    (the cast's provider by default), as the lifecycle makes them; a closed case has a
    closure with the reason `closed_for`."""
    author = cast.users[Role.DECISION_MAKER]
    for _ in range(n):
        _serial[0] += 1
        ref = f"T{_serial[0]:05d}"
        person = make_person(force, ref, sex=sex, date_of_birth=born, ethnicity=ethnicity,
                             given_name="Zebedee", family_name=f"Quixote{ref}",
                             postcode_district="SO99")
        offence = make_offence(person, f"CR{ref}")
        created = timezone.make_aware(datetime(on.year, on.month, on.day, 12))
        case = Case.objects.create(reference=f"C{ref}", force=force, person=person,
                                   offence=offence, programme_code=programme.lower(),
                                   status=status, created_by=author, created_at=created)
        if status in REFERRED_OR_LATER:
            Referral.objects.create(case=case, programme_code=programme.lower(),
                                    programme_version=1,
                                    provider=provider or cast.orgs["provider"],
                                    referred_by=author, referred_at=created,
                                    first_contact_due=on)
        if status == "closed":
            Closure.objects.create(case=case, reason=closed_for, closed_by=author)


def refresh() -> None:
    aggregates.refresh()
