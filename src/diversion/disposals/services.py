"""Writes for the caution step: confirm the victim consultation, randomise, caution and refer,
record the victim's statement date (recomputing the stored prosecution time limit) and a
supervisor's go-ahead against the victim's view.

Each runs in one transaction with its processing-log row and its timeline event, and moves the
case on with `cases.services.transition` (lifecycle and optimistic-lock checks): a case changed
since the form was built is refused with `StaleCase`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from diversion.accounts.models import User
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases import lifecycle, regimes
from diversion.cases.lifecycle import Status
from diversion.cases.models import Case
from diversion.cases.services import CaseRefused, add_event, bump, facts_for, transition
from diversion.cases.time_limits import prosecution_time_limit
from diversion.disposals import closure
from diversion.disposals.models import (
    Closure,
    ClosureReason,
    Disposal,
    Referral,
    VictimViewDecision,
)
from diversion.programmes import registry
from diversion.programmes.schema import ProgrammeDefinition, TrialSpec
from diversion.programmes.selectors import provider_for
from diversion.trials import services as trials
from diversion.trials.models import TrialAllocation
from diversion.victims.selectors import PoliceOutcome, police_outcome

FIRST_CONTACT_DAYS = 14  # the provider's first-contact target (domain.md 1.2)


def record_statement_date(*, actor: User, case: Case, expected_version: int,
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
        bump(case, expected_version, victim_statement_date=statement_date)
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
        add_event(case, actor, "Victim's statement date recorded", detail)
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Date of the victim's statement recorded: it sets the "
                             "prosecution time limit")
    return case


def _day(value: date | None) -> str:
    return "none" if value is None else f"{value:%-d %B %Y}"


def record_victim_view_decision(*, actor: User, case: Case, expected_version: int,
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
        bump(case, expected_version)
        decision = VictimViewDecision.objects.create(
            case=case, supervisor_name=supervisor_name.strip(), supervisor_rank=supervisor_rank,
            reasons=reasons.strip(), decided_by=actor)
        add_event(case, actor, "Go-ahead despite the victim's view",
                  f"Decided by {decision.supervisor_name} ({supervisor_rank})")
        record(actor=actor, operation=Operation.COLLECTION, obj=decision, subjects=[case.person],
               justification="Supervisor's decision to go ahead although the victim does not "
                             "support an out-of-court resolution")
    return decision


def _victim_view_gate(case: Case, outcome: PoliceOutcome) -> None:
    if outcome.does_not_support and not VictimViewDecision.objects.filter(case=case).exists():
        raise CaseRefused("The victim does not support an out-of-court resolution: an "
                          "inspector or above must record a decision to go ahead, with "
                          "reasons, first")


def confirm_consultation(*, actor: User, case: Case, expected_version: int,
                         person_consents: bool) -> Case:
    """Lock the victim consultation and the person's consent (police see the outcome only)."""
    outcome = police_outcome(case)
    if not outcome.consulted:
        raise CaseRefused("The victim service has not yet recorded a completed consultation "
                          "for this case")
    if not person_consents:
        raise CaseRefused("The person must consent to an out-of-court resolution")
    with transaction.atomic():
        bump(case, expected_version, person_consents=True)
        transition(actor, case, Status.CONSULTED, expected_version=case.version,
                   title="Victim consulted; person consents",
                   detail=f"{outcome.outcome_label}. Risk raised: "
                          f"{'yes' if outcome.risk_raised else 'no'}")
        record(actor=actor, operation=Operation.ALTERATION, obj=case, subjects=[case.person],
               justification="Victim consultation outcome and the person's consent recorded")
    return case


class ClosureRefused(CaseRefused):
    """The case cannot close for that reason; `field` names the form field to blame."""

    def __init__(self, message: str, *, field: str = "reason") -> None:
        super().__init__(message)
        self.field = field


def close_case(*, actor: User, case: Case, expected_version: int, reason: str,
               detail: str = "") -> Closure:
    """Close a case for a stated reason (closure.reasons_for: which reasons its status and, after
    a breach, the police's breach decision allow). The reason is stored as a `Closure`, which
    the evaluation cohort and the dashboard read; the timeline keeps it too."""
    lifecycle.check(case.status, Status.CLOSED)
    try:
        chosen = ClosureReason(reason)
    except ValueError:
        raise ClosureRefused("Select why the case is being closed") from None
    detail = detail.strip()
    problem = closure.refusal(actor, case, chosen)
    if problem:
        raise ClosureRefused(problem)
    if chosen == ClosureReason.OTHER and not detail:
        raise ClosureRefused("Describe the reason for closing the case", field="detail")
    with transaction.atomic():
        transition(actor, case, Status.CLOSED, expected_version=expected_version,
                   title=f"Case closed: {chosen.label.lower()}", detail=detail)
        made = Closure.objects.create(case=case, reason=chosen, detail=detail, closed_by=actor)
        record(actor=actor, operation=Operation.ALTERATION, obj=made, subjects=[case.person],
               justification=f"Case closed: {chosen.label.lower()}")
    return made


def trial_for(case: Case) -> tuple[TrialSpec | None, ProgrammeDefinition]:
    """The programme's trial if one is running for new cases, and the programme definition."""
    definition = registry.current(case.programme_code)
    trial = definition.trial
    return (trial if trial and trial.running else None), definition


def randomise(*, actor: User, case: Case, expected_version: int) -> TrialAllocation:
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


def caution(*, actor: User, case: Case, expected_version: int, regime: str,
            disposal_date: date, authorising_officer: str, authorising_rank: str,
            programme_condition: bool, deadline: date, signed_document: bool,
            reparative_condition: str = "", restrictive_condition: str = "",
            unpaid_work_hours: int = 0) -> Disposal:
    """Record the caution and its conditions; with a programme condition, refer to the provider."""
    outcome = police_outcome(case)
    if not outcome.consulted:
        raise CaseRefused("The victim has not been consulted: a case cannot be cautioned "
                          "until the victim service records a completed consultation")
    if outcome.risk_raised:
        raise CaseRefused("The victim consultation raised a risk: an out-of-court resolution "
                          "cannot go ahead without a new decision")
    _victim_view_gate(case, outcome)
    if not signed_document:
        raise CaseRefused(SIGNED_DOCUMENT_REQUIRED)
    lifecycle.check(case.status, Status.CAUTIONED)
    trial, definition = trial_for(case)
    allocation = trials.existing_allocation(case)
    if trial is not None and allocation is None:
        raise CaseRefused(f"{definition.name} is running a trial: randomise the case first")
    if (allocation is not None and trial is not None
            and allocation.arm != trial.programme_arm and programme_condition):
        raise CaseRefused(f"The case was allocated to {allocation.arm}: no programme condition")
    provider = None
    if programme_condition:
        # The provider the force's administrator set for the programme on the caution's date.
        provider = provider_for(actor, case.programme_code, on=disposal_date)
        if provider is None:
            raise CaseRefused(
                f"Your force has no provider set up for {definition.name} on "
                f"{disposal_date:%-d %B %Y}: your force's administrator sets one on the "
                "Programmes page (Which provider delivers each programme)")
    offence = case.offence
    limit = prosecution_time_limit(offence_code=offence.offence_code_id,
                                   offence_date=offence.offence_date,
                                   domestic_abuse=offence.domestic_abuse,
                                   victim_statement_date=case.victim_statement_date)
    with transaction.atomic():
        made = Disposal.objects.create(
            case=case, recorded_by=actor, prosecution_last_day=limit.last_day,
            time_limit_basis=limit.basis, time_limit_explanation=limit.explanation,
            regime=regime, disposal_date=disposal_date, authorising_officer=authorising_officer,
            authorising_rank=authorising_rank, programme_condition=programme_condition,
            reparative_condition=reparative_condition,
            restrictive_condition=restrictive_condition, unpaid_work_hours=unpaid_work_hours,
            deadline=deadline, signed_document=signed_document)
        regime_spec = regimes.REGIMES[made.regime]
        transition(actor, case, Status.CAUTIONED, expected_version=expected_version,
                   title=f"Cautioned: {regime_spec.label}",
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
