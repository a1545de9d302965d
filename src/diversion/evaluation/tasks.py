"""Background jobs of the evaluation app, run by the task queue's worker."""

from __future__ import annotations

from django_tasks import task

from diversion.evaluation.services import run_evaluation


@task()
def run_evaluation_task(run_id: int) -> str:
    """Carry out one evaluation run."""
    return run_evaluation(run_id).status
