"""A fixed cast: one user per role in a home area, plus an outsider organisation that must get
404 everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.contrib.auth.hashers import make_password

from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import OrganisationKind, Role
from diversion.cases import pnc
from diversion.cases.models import Offence, Person

PASSWORD = "a-long-test-passphrase-for-the-cast"

HOME_ORGS = {
    "force": ("Test Force", OrganisationKind.POLICE_FORCE),
    "provider": ("Test Provider", OrganisationKind.PROVIDER),
    "victim_service": ("Test Victim Service", OrganisationKind.VICTIM_SERVICE),
    "pcc": ("Test PCC Office", OrganisationKind.COMMISSIONER),
}

# role -> organisation key in the home area
ROLE_ORG = {
    Role.DECISION_MAKER: "force",
    Role.FACILITATOR: "provider",
    Role.PROVIDER_MANAGER: "provider",
    Role.VICTIM_WORKER: "victim_service",
    Role.ANALYST: "force",
    Role.COMMISSIONER: "pcc",
    Role.ADMINISTRATOR: "force",
    Role.AUDITOR: "force",
}


@dataclass
class Cast:
    orgs: dict[str, Organisation]
    users: dict[str, User]
    outsider_org: Organisation
    outsider_admin: User
    outsider_officer: User


@cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run.
    return make_password(PASSWORD)


def make_user(username: str, role: str, organisation: Organisation, **extra) -> User:
    user = User(username=username, role=role, organisation=organisation,
                first_name=username.split("_")[0].title(), last_name="Tester",
                email=f"{username}@example.org", password=_password_hash(), **extra)
    user.save()
    return user


def make_cast() -> Cast:
    orgs = {
        key: Organisation.objects.create(name=name, kind=kind, code=key.replace("_", "-"))
        for key, (name, kind) in HOME_ORGS.items()
    }
    users = {role: make_user(f"{role}_user", role, orgs[org]) for role, org in ROLE_ORG.items()}
    outsider = Organisation.objects.create(name="Other Force", kind=OrganisationKind.POLICE_FORCE,
                                           code="other-force")
    return Cast(
        orgs=orgs, users=users, outsider_org=outsider,
        outsider_admin=make_user("outsider_admin", Role.ADMINISTRATOR, outsider),
        outsider_officer=make_user("outsider_officer", Role.DECISION_MAKER, outsider),
    )


def make_person(force: Organisation, ref: str, **extra) -> Person:
    fields = {"given_name": "Sam", "family_name": f"Person{ref}", "sex": "M",
              "date_of_birth": date(1985, 3, 2), "pnc_id": pnc.make(2010, 12345)}
    fields.update(extra)
    return Person.objects.create(force=force, force_reference=ref, **fields)


def make_offence(person: Person, ref: str, **extra) -> Offence:
    fields = {"offence_code_id": "105A", "offence_date": date(2026, 10, 1),
              "recorded_date": date(2026, 10, 2), "domestic_abuse": True,
              "relationship": "current_partner", "outcome_type": "pending"}
    fields.update(extra)
    return Offence.objects.create(force=person.force, person=person, crime_reference=ref,
                                  **fields)
