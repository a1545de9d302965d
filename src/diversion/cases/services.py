"""Writes for OOCR cases: record, decide eligibility, consult, randomise, caution and refer.

Every change runs in one transaction with its processing-log row and its timeline event, and
moves the case through `lifecycle` with an optimistic-lock check: a form carries the version
it was built from, and a case changed since then is refused with `StaleCase` (nothing lost).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import lifecycle, regimes
from diversion.cases.lifecycle import InvalidTransition, Status
from diversion.cases.models import (
    Case,
    CaseEvent,
    Disposal,
    EligibilityDecision,
    Offence,
    Person,
    Referral,
    VictimViewDecision,
)
from diversion.cases.time_limits import prosecution_time_limit
from diversion.core.ages import age_on
from diversion.programmes import registry, rules
from diversion.programmes.selectors import provider_for
from diversion.trials import services as trials
from diversion.victims.selectors import police_outcome

FIRST_CONTACT_DAYS = 14  # the provider's first-contact target (domain.md 1.2)


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


def _event(case: Case, actor, title: str, detail: str = "", from_status: str = "",
           to_status: str = "") -> CaseEvent:
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
    _event(case, actor, title, detail, from_status, target)
    return case


def _bump(case: Case, expected_version: int, **fields) -> None:
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
            _event(case, actor, "Offence recorded",
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
        _bump(case, expected_version, **facts)
        _event(case, actor, "Eligibility facts changed",
               ", ".join(name.replace("_", " ") for name in sorted(facts)))
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Eligibility facts for an out-of-court resolution changed")
    return case


def record_statement_date(actor, case: Case, *, expected_version: int,
                          statement_date: date) -> Case:
    """Record or correct the date of the victim's statement (or video-recorded interview), at
    any point until the case is closed. It decides which time limit applies (CJA 1988 s.39A
    from a statement, MCA 1980 s.127 until one exists), so after the caution the limit stored
    on the disposal, which breach decisions use, is recomputed with it."""
    if case.status == Status.CLOSED:
        raise CaseRefused("The case is closed: its facts can no longer change")
    if statement_date < case.offence.offence_date:
        raise CaseRefused("The date of the victim's statement must be on or after the offence")
    disposal = Disposal.objects.filter(case=case).first()
    with transaction.atomic():
        before = case.victim_statement_date
        _bump(case, expected_version, victim_statement_date=statement_date)
        detail = (f"{before:%-d %B %Y} corrected to " if before else "") + \
            f"{statement_date:%-d %B %Y}"
        if disposal is not None:
            offence = case.offence
            limit = prosecution_time_limit(offence_code=offence.offence_code_id,
                                           offence_date=offence.offence_date,
                                           domestic_abuse=offence.domestic_abuse,
                                           victim_statement_date=statement_date)
            old = disposal.prosecution_last_day
            disposal.prosecution_last_day = limit.last_day
            disposal.time_limit_basis = limit.basis
            disposal.time_limit_explanation = limit.explanation
            disposal.save(update_fields=["prosecution_last_day", "time_limit_basis",
                                         "time_limit_explanation"])
            if old != limit.last_day:
                detail += (f"; prosecution time limit {_day(old)} recomputed to "
                           f"{_day(limit.last_day)}")
        _event(case, actor, "Victim's statement date recorded", detail)
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Date of the victim's statement recorded: it sets the "
                             "prosecution time limit")
    return case


def _day(value: date | None) -> str:
    return "none" if value is None else f"{value:%-d %B %Y}"


def record_victim_view_decision(actor, case: Case, *, expected_version: int,
                                supervisor_name: str, supervisor_rank: str,
                                reasons: str) -> VictimViewDecision:
    """A supervisor's go-ahead, with reasons, for a case whose victim does not support an
    out-of-court resolution. Needed before randomisation or the caution."""
    outcome = police_outcome(case)
    if not outcome.does_not_support:
        raise CaseRefused("Only a case whose victim does not support an out-of-court "
                          "resolution needs a supervisor's decision")
    if supervisor_rank not in regimes.SENIOR_RANKS:
        raise CaseRefused("Going ahead against the victim's view needs an inspector or above")
    if not reasons.strip() or not supervisor_name.strip():
        raise CaseRefused("Give the supervisor's name and the reasons for going ahead")
    if VictimViewDecision.objects.filter(case=case).exists():
        raise CaseRefused("A supervisor's decision is already recorded for this case")
    with transaction.atomic():
        _bump(case, expected_version)
        decision = VictimViewDecision.objects.create(
            case=case, supervisor_name=supervisor_name.strip(), supervisor_rank=supervisor_rank,
            reasons=reasons.strip(), decided_by=actor)
        _event(case, actor, "Go-ahead despite the victim's view",
               f"Decided by {decision.supervisor_name} ({supervisor_rank})")
        record(actor=actor, operation=Operation.COLLECTION, obj=decision, subjects=[case.person],
               justification="Supervisor's decision to go ahead although the victim does not "
                             "support an out-of-court resolution")
    return decision


def _victim_view_gate(case: Case, outcome) -> None:
    if outcome.does_not_support and not VictimViewDecision.objects.filter(case=case).exists():
        raise CaseRefused("The victim does not support an out-of-court resolution: an "
                          "inspector or above must record a decision to go ahead, with "
                          "reasons, first")


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


def confirm_consultation(actor, case: Case, *, expected_version: int,
                         person_consents: bool) -> Case:
    """Lock the victim consultation and the person's consent (police see the outcome only)."""
    outcome = police_outcome(case)
    if not outcome.consulted:
        raise CaseRefused("The victim service has not yet recorded a completed consultation "
                          "for this case")
    if not person_consents:
        raise CaseRefused("The person must consent to an out-of-court resolution")
    with transaction.atomic():
        _bump(case, expected_version, person_consents=True)
        transition(actor, case, Status.CONSULTED, expected_version=case.version,
                   title="Victim consulted; person consents",
                   detail=f"{outcome.outcome_label}. Risk raised: "
                          f"{'yes' if outcome.risk_raised else 'no'}")
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Victim consultation outcome and the person's consent recorded")
    return case


def trial_for(case: Case):
    definition = registry.current(case.programme_code)
    trial = definition.trial
    return (trial if trial and trial.running else None), definition


def randomise(actor, case: Case, *, expected_version: int):
    """Allocate the case (once) in the programme's running trial. Returns the allocation."""
    trial, definition = trial_for(case)
    if trial is None:
        raise CaseRefused(f"{definition.name} is not running a trial")
    existing = trials.existing_allocation(case)
    if existing is not None:
        return existing  # the same answer on a repeat request: never drawn again
    if case.status != Status.CONSULTED:
        lifecycle.check(case.status, Status.RANDOMISED)
    _victim_view_gate(case, police_outcome(case))
    with transaction.atomic():
        allocation, _new = trials.allocate(actor=actor, case=case, trial=trial,
                                           programme_version=definition.version,
                                           facts=facts_for(case))
        transition(actor, case, Status.RANDOMISED, expected_version=expected_version,
                   title=f"Randomised: {allocation.arm}", detail=trial.name)
    return allocation


# CJA 2003 s.23(5): the offender signs a document with the offence, their admission, their
# consent to the caution and its conditions. The PCSC Act 2022 cautions have the same
# requirement for a signed admission and consent; without it no caution is given.
SIGNED_DOCUMENT_REQUIRED = (
    "The person must sign the caution document (the offence, their admission, their consent "
    "and the conditions): without it no caution can be given (CJA 2003 s.23)")


def caution(actor, case: Case, *, expected_version: int, disposal: dict) -> Disposal:
    """Record the caution and its conditions; with a programme condition, refer to the provider.

    `disposal` holds the Disposal fields from the form (regime, date, officer, conditions,
    deadline, signed_document).
    """
    outcome = police_outcome(case)
    if not outcome.consulted:
        raise CaseRefused("The victim has not been consulted: a case cannot be cautioned "
                          "until the victim service records a completed consultation")
    if outcome.risk_raised:
        raise CaseRefused("The victim consultation raised a risk: an out-of-court resolution "
                          "cannot go ahead without a new decision")
    _victim_view_gate(case, outcome)
    if not disposal.get("signed_document"):
        raise CaseRefused(SIGNED_DOCUMENT_REQUIRED)
    lifecycle.check(case.status, Status.CAUTIONED)
    trial, definition = trial_for(case)
    allocation = trials.existing_allocation(case)
    if trial is not None and allocation is None:
        raise CaseRefused(f"{definition.name} is running a trial: randomise the case first")
    if allocation is not None and allocation.arm != trial.programme_arm \
            and disposal["programme_condition"]:
        raise CaseRefused(f"The case was allocated to {allocation.arm}: no programme condition")
    provider = None
    if disposal["programme_condition"]:
        provider = provider_for(actor, case.programme_code)
        if provider is None:
            raise CaseRefused(f"Your force has no provider set up for {definition.name}")
    offence = case.offence
    limit = prosecution_time_limit(offence_code=offence.offence_code_id,
                                   offence_date=offence.offence_date,
                                   domestic_abuse=offence.domestic_abuse,
                                   victim_statement_date=case.victim_statement_date)
    with transaction.atomic():
        made = Disposal.objects.create(
            case=case, recorded_by=actor, prosecution_last_day=limit.last_day,
            time_limit_basis=limit.basis, time_limit_explanation=limit.explanation, **disposal)
        regime = regimes.REGIMES[made.regime]
        transition(actor, case, Status.CAUTIONED, expected_version=expected_version,
                   title=f"Cautioned: {regime.label}",
                   detail=f"Authorised by {made.authorising_officer} "
                          f"({made.authorising_rank}); complete by {made.deadline:%-d %B %Y}")
        record(actor=actor, operation=Operation.COLLECTION, obj=made, subjects=[case.person],
               justification="Out-of-court disposal and its conditions recorded")
        if provider is not None:
            referral = Referral.objects.create(
                case=case, programme_code=case.programme_code,
                programme_version=definition.version, provider=provider, referred_by=actor,
                first_contact_due=made.disposal_date + timedelta(days=FIRST_CONTACT_DAYS))
            transition(actor, case, Status.REFERRED, expected_version=case.version,
                       title=f"Referred to {provider.name}", detail=definition.name)
            record(actor=actor, operation=Operation.DISCLOSURE, obj=referral,
                   subjects=[case.person], recipient=provider.name,
                   justification=f"Referral to the {definition.name} provider under the "
                                 "caution's programme condition")
    return made


__all__ = ["CaseRefused", "InvalidTransition", "StaleCase", "caution", "confirm_consultation",
           "decide_eligibility", "evaluate", "facts_for", "randomise", "record_case",
           "record_statement_date", "record_victim_view_decision", "transition",
           "update_facts"]
