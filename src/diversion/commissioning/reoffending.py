"""Copying a completed evaluation run's headline results into a ReoffendingSummary row.

Runs as the system, when a run is saved as done (a post_save signal: the evaluation app sits
above this one and must not import it) and for any done run still missing a summary when the
aggregates are recomputed (aggregates.refresh). What it keeps is aggregate: group sizes,
reoffending counts, rates and effects with their CIs, and the definitions. The run's result
JSON (curves, balance, the cohort flow) is read once here, never by the dashboard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from diversion.commissioning.models import ReoffendingSummary
from diversion.evaluation.models import EvaluationRun


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


def summarise(run: EvaluationRun) -> ReoffendingSummary:
    """The summary row for a done run (not saved)."""
    result = run.result or {}
    d = result.get("definitions", {})
    return ReoffendingSummary(
        run=run, force_id=run.force_id, programme_code=run.programme_code.upper(),
        finished_at=run.finished_at or timezone.now(), design=run.design,
        index_basis=run.index_basis, index_from=run.index_from, index_to=run.index_to,
        window_days=run.window_days, basis=run.basis, scope=run.scope,
        who_counts=run.who_counts, cohort_size=run.cohort_size or 0,
        outcomes=[_outcome(o) for o in result.get("outcomes", [])],
        definitions={"denominator": d.get("denominator", ""),
                     "data_end": d.get("data_end", ""),
                     "waiting_period_days": d.get("waiting_period_days")})


def store(run: EvaluationRun) -> ReoffendingSummary | None:
    """Keep the run's summary in step with it: made when done, removed otherwise."""
    with transaction.atomic():
        ReoffendingSummary.objects.filter(run_id=run.pk).delete()
        if run.status != EvaluationRun.Status.DONE or not run.result:
            return None
        summary = summarise(run)
        summary.save()
    return summary


def store_missing() -> int:
    """Summaries for done runs that have none (runs finished before this table existed)."""
    missing = (EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE)
               .exclude(pk__in=ReoffendingSummary.objects.values("run_id")))
    stored = [store(run) for run in missing.iterator(chunk_size=20)]
    return sum(1 for s in stored if s is not None)


def _on_run_saved(sender, instance: EvaluationRun, **kwargs) -> None:
    # The run's own save is inside its transaction, so the summary commits with it.
    if instance.status == EvaluationRun.Status.DONE or ReoffendingSummary.objects.filter(
            run_id=instance.pk).exists():
        store(instance)


def connect() -> None:
    post_save.connect(_on_run_saved, sender=EvaluationRun,
                      dispatch_uid="commissioning-reoffending-summary")
