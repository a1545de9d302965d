"""Writes for OOCR cases: record, change the facts, decide eligibility, move the lifecycle on.

The caution step (consultation gate, randomisation, caution and referral, the statement date and
the victim-view decision) is in `disposals.services`, built on `transition`, `bump` and
`add_event` here.

Every change runs in one transaction with its processing-log row and its timeline event, and
moves the case through `lifecycle` with an optimistic-lock check: a form carries the version
it was built from, and a case changed since then is refused with `StaleCase` (nothing lost).
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.policy import POLICE, visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import lifecycle, regimes
from diversion.cases.lifecycle import InvalidTransition, Status
from diversion.cases.models import (
    Case,
    CaseEvent,
    EligibilityDecision,
    Offence,
    Person,
    PersonContact,
    SafeContactMethod,
)
from diversion.core.ages import age_on
from diversion.programmes import registry, rules


class StaleCase(Exception):
    """Someone else changed the case after this form was built."""

    def __init__(self) -> None:
        super().__init__("This case was changed by someone else while you were working on it. "
                         "Check the case as it is now, then make your change again.")


class CaseRefused(Exception):
    """The action is not allowed for this case now; the message says why."""


FACT_FIELDS = ("admission", "on_bail", "court_order", "community_sentence",
               "violence_disposal_within_2_years", "interpreter_needed",
               "appropriate_adult_needed", "dash_risk")


def add_event(case: Case, actor: User | None, title: str, detail: str = "",
              from_status: str = "", to_status: str = "") -> CaseEvent:
    """One line on the case's timeline (no actor: the system, e.g. demo data)."""
    return CaseEvent.objects.create(case=case, actor=actor, title=title, detail=detail,
                                    from_status=from_status, to_status=to_status)


def transition(actor, case: Case, target: str, *, expected_version: int, title: str,
               detail: str = "") -> Case:
    """Move the case to `target` if the lifecycle allows it and nobody changed it meanwhile."""
    lifecycle.check(case.status, target)
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        status=target, version=expected_version + 1)
    if not updated:
        raise StaleCase
    from_status = case.status
    case.status, case.version = target, expected_version + 1
    add_event(case, actor, title, detail, from_status, target)
    return case


def bump(case: Case, expected_version: int, **fields: object) -> None:
    """Save `fields` and a new version, unless someone changed the case since `expected_version`."""
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=expected_version + 1, **fields)
    if not updated:
        raise StaleCase
    for name, value in fields.items():
        setattr(case, name, value)
    case.version = expected_version + 1


def _new_reference(force) -> str:
    return f"{force.code[:8].upper()}-{timezone.localdate():%y%m}-{secrets.token_hex(3).upper()}"


def record_case(actor, *, submission_key, person: dict, offence: dict, programme_code: str,
                facts: dict) -> tuple[Case, bool]:
    """Create the person (or find them by force reference), the offence and the case.

    A repeated submission of the same form (same `submission_key`) returns the first case.
    Returns (case, created).
    """
    force = actor.organisation
    existing = visible(actor, Case).filter(submission_key=submission_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            found = visible(actor, Person).filter(
                force_reference=person["force_reference"]).first()
            subject = found or Person.objects.create(force=force, **person)
            crime = Offence.objects.create(force=force, person=subject,
                                           recorded_date=timezone.localdate(), **offence)
            case = Case.objects.create(
                reference=_new_reference(force), force=force, person=subject, offence=crime,
                programme_code=programme_code, created_by=actor, submission_key=submission_key,
                **facts)
            add_event(case, actor, "Offence recorded",
                   f"{crime.offence_code} on {crime.offence_date:%-d %B %Y}",
                   to_status=Status.RECORDED)
            record(actor=actor, operation=Operation.COLLECTION, obj=case, subjects=[subject],
                   justification="Offence recorded for an out-of-court resolution decision")
    except IntegrityError:
        # A duplicate submission racing this one committed first: return its case.
        existing = visible(actor, Case).filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return case, True


def update_facts(actor, case: Case, *, expected_version: int, facts: dict) -> Case:
    """Change the eligibility facts before eligibility is decided; after it, until the caution,
    only the date of the victim's statement (it starts the s.39A time limit)."""
    if case.status != Status.RECORDED:
        changed = {name for name, value in facts.items() if getattr(case, name) != value}
        if case.status not in (Status.ELIGIBLE, Status.CONSULTED, Status.RANDOMISED) \
                or changed - {"victim_statement_date"}:
            raise CaseRefused("The eligibility facts are locked once eligibility is decided; "
                              "until the caution only the date of the victim's statement "
                              "can change")
        facts = {name: facts[name] for name in changed}
    with transaction.atomic():
        bump(case, expected_version, **facts)
        add_event(case, actor, "Eligibility facts changed",
               ", ".join(name.replace("_", " ") for name in sorted(facts)))
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Eligibility facts for an out-of-court resolution changed")
    return case



def save_contact_details(actor: User, case: Case, *, phone: str, email: str, address: str,
                         postcode: str, safe_methods: list[str], notes: str) -> PersonContact:
    """Record or change the contact details of the case's person (the police of the person's
    force only: the provider reads them but never writes), with a timeline line that names no
    value and a collection or alteration log row."""
    if actor.role not in POLICE or case.person.force_id != actor.organisation_id:
        raise CaseRefused("Only the police of the person's own force can record their contact "
                          "details")
    if case.status == Status.CLOSED:
        raise CaseRefused("The case is closed: its person's contact details can no longer be "
                          "changed from it")
    unknown = set(safe_methods) - set(SafeContactMethod.values)
    if unknown:
        raise CaseRefused("Safe to contact by: choose from the list")
    with transaction.atomic():
        contact = visible(actor, PersonContact).select_for_update(of=("self",)).filter(
            person=case.person).first()
        if contact is None:
            contact = PersonContact(person=case.person)
            operation, title = Operation.COLLECTION, "Contact details recorded"
        else:
            operation, title = Operation.ALTERATION, "Contact details changed"
        contact.phone, contact.email, contact.address = phone, email, address
        contact.postcode, contact.notes = postcode, notes
        # stored in the form's order of choices, so an unchanged choice reads the same
        contact.safe_methods = ",".join(m for m in SafeContactMethod.values if m in safe_methods)
        contact.updated_at, contact.updated_by = timezone.now(), actor
        contact.save()
        add_event(case, actor, title)  # never the values: providers read the timeline
        record(actor=actor, operation=operation, obj=contact, subjects=[case.person],
               justification=f"{title} for the provider's first contact")
    return contact


def facts_for(case: Case) -> dict:
    """The facts the programme rules read, from the case's person, offence and assessment."""
    person, offence = case.person, case.offence
    facts = {
        "sex": person.sex if person.sex in ("M", "F") else None,
        "age_at_offence": age_on(person.date_of_birth, offence.offence_date),
        "relationship": offence.relationship,
        "domestic_abuse": offence.domestic_abuse,
        "offence_code": offence.offence_code_id,
    }
    for name in FACT_FIELDS:
        facts[name] = getattr(case, name) if getattr(case, name) not in ("", None) else None
    return facts


def evaluate(case: Case):
    """(definition, rule results, overall) under the programme's current rule set."""
    definition = registry.current(case.programme_code)
    results = rules.evaluate(definition.eligibility, facts_for(case))
    return definition, results, rules.overall(results)


def decide_eligibility(actor, case: Case, *, expected_version: int, override: str = "",
                       rationale: str = "", supervisor_name: str = "",
                       supervisor_rank: str = "") -> EligibilityDecision:
    """Lock the eligibility decision; a supervisor's override needs a written rationale."""
    definition, results, computed = evaluate(case)
    if override:
        if override not in (rules.ELIGIBLE, rules.INELIGIBLE):
            raise CaseRefused("An override must be eligible or not eligible")
        if not rationale.strip():
            raise CaseRefused("Give the supervisor's reason for overriding the rules")
        if supervisor_rank not in regimes.AUTHORISED_RANKS or not supervisor_name.strip():
            raise CaseRefused("An override needs a supervisor of sergeant rank or above")
        final = override
    elif computed == rules.NEEDS_INFORMATION:
        raise CaseRefused("Some rules are unknown: record the missing facts, or a supervisor "
                          "may override with a reason")
    else:
        final = computed
    if case.status == Status.INELIGIBLE and not override:
        raise CaseRefused("A case found not eligible can only be made eligible by a "
                          "supervisor's override")
    with transaction.atomic():
        decision = EligibilityDecision.objects.create(
            case=case, ruleset_version=definition.ruleset_version, facts=facts_for(case),
            results=[r.as_dict() for r in results], computed_result=computed, result=final,
            overridden=bool(override), override_rationale=rationale.strip(),
            supervisor_name=supervisor_name.strip(), supervisor_rank=supervisor_rank,
            decided_by=actor)
        title = "Found eligible" if final == rules.ELIGIBLE else "Found not eligible"
        detail = f"Rule set {definition.ruleset_version}"
        if override:
            title += " (supervisor override)"
            detail += f". Override by {supervisor_name} ({supervisor_rank}): {rationale.strip()}"
        transition(actor, case, final, expected_version=expected_version, title=title,
                   detail=detail)
        record(actor=actor, operation=Operation.COLLECTION, obj=decision,
               subjects=[case.person],
               justification=f"Eligibility decision under {definition.ruleset_version}")
    return decision


__all__ = ["CaseRefused", "InvalidTransition", "StaleCase", "add_event", "bump",
           "decide_eligibility", "evaluate", "facts_for", "record_case", "save_contact_details",
           "transition",
           "update_facts"]
