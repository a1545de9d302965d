"""Builders for the case tests (kept out of the shared factories)."""

from __future__ import annotations

from datetime import date

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from tests.factories import make_offence, make_person

ELIGIBLE_FACTS = dict(admission=True, on_bail=False, court_order=False, community_sentence=False,
                      violence_disposal_within_2_years=False, interpreter_needed=False,
                      appropriate_adult_needed=False, dash_risk="standard")

_counter = iter(range(1, 10_000_000))


def make_case(cast, *, programme: str = "cara", status: str = "recorded", person=None,
              offence_extra: dict | None = None, **facts) -> Case:
    n = next(_counter)
    force = cast.orgs["force"]
    person = person or make_person(force, f"P{n}")
    offence = make_offence(person, f"CR{n}", **(offence_extra or {}))
    fields = {**ELIGIBLE_FACTS, **facts}
    return Case.objects.create(reference=f"T-{n}", force=force, person=person, offence=offence,
                               programme_code=programme, status=status,
                               created_by=cast.users[Role.DECISION_MAKER], **fields)


def date_parts(prefix: str, value: date) -> dict[str, str]:
    return {f"{prefix}_0": str(value.day), f"{prefix}_1": str(value.month),
            f"{prefix}_2": str(value.year)}
