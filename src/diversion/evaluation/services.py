"""Writes of the evaluation app: define a run, and carry it out (on the task queue)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pyarrow.compute as pc
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.models import Organisation
from diversion.administration.models import DataSharingAgreement, in_force
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.evaluation.cohort import NotShared, build_inputs
from diversion.evaluation.models import COVARIATES, Design, EvaluationRun, HeadlineSignOff
from diversion.evaluation.report import no_verdict_reason

logger = logging.getLogger(__name__)
DEFAULT_MINIMUM_COHORT = 60  # the Justice Data Lab's minimum


def minimum_cohort() -> int:
    return int(getattr(settings, "EVALUATION_MINIMUM_COHORT", DEFAULT_MINIMUM_COHORT))


class PooledRunRefused(Exception):
    """A pooled run names a force that does not share with the analyst's organisation."""


def define_run(actor, data: dict, *, forces: Sequence[Organisation] = ()) -> EvaluationRun:
    """Save a run's definition and queue it. `forces`: a pooled run's forces, each of which
    must share with the analyst's organisation (a PCC office or research partner) under a
    data-sharing agreement in force; the run draws from them only."""
    from diversion.evaluation.tasks import run_evaluation_task

    with transaction.atomic():
        if forces:
            shared = set(policy.visible(actor, DataSharingAgreement)
                         .filter(in_force(), receiver_id=actor.organisation_id,
                                 force__in=forces).values_list("force_id", flat=True))
            refused = sorted(f.name for f in forces if f.pk not in shared)
            if refused:
                raise PooledRunRefused("No data-sharing agreement with your organisation is "
                                       "in force for " + ", ".join(refused))
        run = EvaluationRun.objects.create(force_id=actor.organisation_id, created_by=actor,
                                           **data)
        run.pooled_forces.set(forces)
        transaction.on_commit(lambda: run_evaluation_task.enqueue(run.pk))
    return run


class SignOffRefused(Exception):
    """The run cannot be proposed or approved as the headline now; the message says why."""


HEADLINE_RECIPIENT = ("The commissioner's office: dashboard and statistics releases "
                      "(aggregates under disclosure control)")


def propose_headline(actor, run: EvaluationRun, *, reason: str) -> HeadlineSignOff:
    """Propose a finished run as its programme's headline; a second analyst must approve it."""
    if run.status != EvaluationRun.Status.DONE or not run.result:
        raise SignOffRefused("Only a finished run with results can be the headline")
    if not reason.strip():
        raise SignOffRefused("Say why this run should be the headline")
    withheld = no_verdict_reason(run)
    if withheld:
        raise SignOffRefused("A run that gives no verdict cannot be the headline. " + withheld)
    with transaction.atomic():
        if HeadlineSignOff.objects.select_for_update().filter(run=run).exists():
            raise SignOffRefused("This run has already been proposed as the headline")
        return HeadlineSignOff.objects.create(run=run, proposed_by=actor, reason=reason.strip())


def approve_headline(actor, run: EvaluationRun) -> HeadlineSignOff:
    """A second analyst's approval: from now on this run is the programme's headline for the
    force (until a later run is approved), on the dashboard and in new releases."""
    with transaction.atomic():
        sign_off = HeadlineSignOff.objects.select_for_update().filter(run=run).first()
        if sign_off is None:
            raise SignOffRefused("The run has not been proposed as the headline yet")
        if sign_off.approved:
            raise SignOffRefused("The run is already approved as the headline")
        if sign_off.proposed_by_id == actor.pk:
            raise SignOffRefused("A second analyst must approve the run: you proposed it")
        sign_off.approved_by, sign_off.approved_at = actor, timezone.now()
        sign_off.save(update_fields=["approved_by", "approved_at"])
        record(actor=actor, operation=Operation.DISCLOSURE, obj=run,
               recipient=HEADLINE_RECIPIENT,
               justification=f"Evaluation run {run.pk} approved as the {run.programme_code} "
                             f"headline (proposed by {sign_off.proposed_by.username})")
    return sign_off


def run_evaluation(run_id: int) -> EvaluationRun:
    """Build the inputs, fingerprint them, run the engine and store its result."""
    import reoffending

    run = EvaluationRun.objects.select_related("created_by__organisation").get(pk=run_id)
    run.status = EvaluationRun.Status.RUNNING
    run.save(update_fields=["status"])
    people: list[int] = []
    try:
        inputs = build_inputs(run)
        people = inputs.people
        run.fingerprint = inputs.fingerprint()
        run.cohort_size = inputs.cohort.num_rows
        run.flow = inputs.flow
        if run.cohort_size < minimum_cohort():
            run.status = EvaluationRun.Status.TOO_SMALL
            run.message = (f"The cohort has {run.cohort_size} people; at least "
                           f"{minimum_cohort()} are needed before any numbers are reported.")
        else:
            # Matched: what the propensity model balances on (the analyst's choice, all when
            # none chosen); trial: what the engine describes the arms' balance on. Less any
            # that do not vary here (the engine refuses a constant covariate).
            chosen = list(COVARIATES)
            if run.design == Design.MATCHED and run.covariates:
                chosen = run.covariates
            covariates = [name for name in chosen
                          if pc.count_distinct(inputs.cohort[name]).as_py() > 1]
            evaluation = reoffending.evaluate(
                inputs.cohort, inputs.offences, design=run.design, windows=run.windows,
                basis=run.basis, scopes=(run.scope,) + (("da",) if run.scope == "any" else ()),
                covariates=covariates, data_end=inputs.data_end, seed=0,
                complier=run.design == Design.TRIAL, bootstrap=500,
                ratio=run.match_ratio, caliper_sd=run.caliper_sd)
            run.result = evaluation.to_dict()
            run.status = EvaluationRun.Status.DONE
            run.message = ""
    except NotShared as error:
        run.status = EvaluationRun.Status.FAILED
        run.message = (f"The pooled run could not draw its cohort: {error}. Define a new run "
                       "over the forces that still share.")
    except reoffending.InputError as error:
        run.status = EvaluationRun.Status.FAILED
        run.message = f"The engine refused the inputs: {error}"
    except Exception as error:  # noqa: BLE001 - any failure must reach the analyst, not hang
        logger.exception("evaluation run %s failed", run.pk)
        run.status = EvaluationRun.Status.FAILED
        run.message = f"The run failed unexpectedly ({type(error).__name__}: {error})."
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record(actor=run.created_by, operation=Operation.COMBINATION,
               justification=f"Evaluation run {run.pk}: cohort of {run.cohort_size or 0} "
                             f"built from cases and linked crime records ({run.status})",
               subjects=[("cases.Person", pk) for pk in people], obj=run)
    return run
