"""Copying a signed-off evaluation run's headline results into a ReoffendingSummary row.

Only a run that an analyst proposed as its programme's headline and a second analyst approved
(evaluation.HeadlineSignOff) gets a summary, so an analyst's test run never reaches the
dashboard or a release. Runs as the system, when a run or its sign-off is saved (post_save
signals: the evaluation app sits above this one and must not import it) and for any signed-off
run still missing a summary when the aggregates are recomputed (aggregates.refresh). What it
keeps is aggregate: group sizes, reoffending counts, rates and effects with their CIs, and the
definitions. The run's result JSON (curves, balance, the cohort flow) is read once here, never
by the dashboard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from diversion.commissioning import programme_codes
from diversion.commissioning.models import ReoffendingSummary
from diversion.evaluation.models import EvaluationRun, HeadlineSignOff


def _outcome(found: dict) -> dict:
    p = found["prevalence"]
    return {
        "window_days": found["window_days"], "scope": found["scope"],
        "treated_people": found["treated"]["people"],
        "treated_reoffended": found["treated"]["reoffended"],
        "control_people": found["control"]["people"],
        "control_reoffended": found["control"]["reoffended"],
        "risk_treated": p["risk_treated"], "risk_control": p["risk_control"],
        "risk_difference": p["risk_difference"],
        "risk_difference_ci": p["risk_difference_ci"],
        "relative_reduction": p["relative_reduction"],
        "relative_reduction_ci": p["relative_reduction_ci"],
        "verdict": found["verdict"],
    }


def _approved_at(run: EvaluationRun):
    sign_off = HeadlineSignOff.objects.filter(run_id=run.pk, approved_at__isnull=False).first()
    return None if sign_off is None else sign_off.approved_at


def summarise(run: EvaluationRun, approved_at=None) -> ReoffendingSummary:
    """The summary row for a done run (not saved)."""
    result = run.result or {}
    d = result.get("definitions", {})
    pooled = sorted(run.pooled_forces.values_list("id", "name"), key=lambda f: f[1]) \
        if run.pk else []
    methods = sorted({o.get("prevalence", {}).get("method", "")
                      for o in result.get("outcomes", [])} - {""})
    return ReoffendingSummary(
        pooled=bool(pooled), pooled_forces=[list(f) for f in pooled],
        run=run, force_id=run.force_id, programme_code=programme_codes.key(run.programme_code),
        run_title=run.title, approved_at=approved_at or _approved_at(run),
        finished_at=run.finished_at or timezone.now(), design=run.design,
        index_basis=run.index_basis, index_from=run.index_from, index_to=run.index_to,
        window_days=run.window_days, basis=run.basis, scope=run.scope,
        who_counts=run.who_counts, cohort_size=run.cohort_size or 0,
        outcomes=[_outcome(o) for o in result.get("outcomes", [])],
        definitions={"denominator": d.get("denominator", ""),
                     "data_end": d.get("data_end", ""),
                     "waiting_period_days": d.get("waiting_period_days"),
                     "methods": methods})


def store(run: EvaluationRun) -> ReoffendingSummary | None:
    """Keep the run's summary in step with it: made when done and signed off, else removed."""
    with transaction.atomic():
        ReoffendingSummary.objects.filter(run_id=run.pk).delete()
        approved_at = _approved_at(run)
        if run.status != EvaluationRun.Status.DONE or not run.result or approved_at is None:
            return None
        summary = summarise(run, approved_at)
        summary.save()
    return summary


def store_missing() -> int:
    """Summaries for signed-off done runs that have none."""
    missing = (EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE,
                                            sign_off__approved_at__isnull=False)
               .exclude(pk__in=ReoffendingSummary.objects.values("run_id")))
    stored = [store(run) for run in missing.iterator(chunk_size=20)]
    return sum(1 for s in stored if s is not None)


def _on_run_saved(sender, instance: EvaluationRun, **kwargs) -> None:
    # The run's own save is inside its transaction, so the summary commits with it.
    if instance.status == EvaluationRun.Status.DONE or ReoffendingSummary.objects.filter(
            run_id=instance.pk).exists():
        store(instance)


def _on_sign_off_saved(sender, instance: HeadlineSignOff, **kwargs) -> None:
    store(instance.run)


def connect() -> None:
    post_save.connect(_on_run_saved, sender=EvaluationRun,
                      dispatch_uid="commissioning-reoffending-summary")
    post_save.connect(_on_sign_off_saved, sender=HeadlineSignOff,
                      dispatch_uid="commissioning-reoffending-sign-off")
