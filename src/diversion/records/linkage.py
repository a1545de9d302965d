"""Link crime records to people on cases: deterministic first, then Splink (DuckDB).

1. PNC ID equal (both stored normalised) within the same force;
2. force person reference equal within the same force;
3. for the rest, a Splink model on name, date of birth, sex and postcode district whose
   m and u probabilities are estimated from all of the force's crime records against its
   people (u by random sampling, m by EM) and saved with the run; only the rows still
   unlinked are then scored. Training on the whole population, not on this run's rows, is
   what lets a routine import of a handful of rows link: a few rows give no pairs to learn
   from, and an estimate of 0 or 1 has no match weight. Every probability is kept strictly
   inside (0, 1) for the same reason. Pairs at or above the upper threshold link; pairs
   between the thresholds wait in the review queue; the rest stay unlinked.

The rules, model and thresholds are in `records.matching` (no Django), which
`bench/linkage.py` runs on a million rows; this module reads and writes the database.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Person
from diversion.records import matching
from diversion.records.matching import COMPARED, LOWER_THRESHOLD, UPPER_THRESHOLD
from diversion.records.models import (
    CrimeRecord,
    LinkageRun,
    LinkCandidate,
    LinkMethod,
    PersonLink,
)

__all__ = ["COMPARED", "LOWER_THRESHOLD", "UPPER_THRESHOLD", "link_force"]

log = logging.getLogger(__name__)


def link_force(force, *, actor=None, batch=None, upper: float | None = None,
               lower: float | None = None) -> LinkageRun:
    """Link every unlinked crime record of `force` that has no pending review."""
    upper = UPPER_THRESHOLD if upper is None else upper
    lower = LOWER_THRESHOLD if lower is None else lower
    run = LinkageRun.objects.create(force=force, batch=batch, started_by=actor,
                                    upper_threshold=upper, lower_threshold=lower)
    pending = LinkCandidate.objects.filter(force=force, decision=LinkCandidate.Decision.PENDING)
    unlinked = (CrimeRecord.objects.filter(force=force, link__isnull=True)
                .exclude(pk__in=pending.values("record_id")))
    # Tuples, not dicts: a million rows as dicts would be a gigabyte of worker memory.
    rows = list(unlinked.values_list("id", "pnc_id", "force_person_ref", *COMPARED)
                .iterator(chunk_size=20_000))
    people = list(Person.objects.filter(force=force)
                  .values_list("id", "pnc_id", "force_reference", *COMPARED)
                  .iterator(chunk_size=20_000))
    links: list[PersonLink] = []
    candidates: list[LinkCandidate] = []
    try:
        by_pnc = matching.unique_index((p[0], p[1]) for p in people)
        by_ref = matching.unique_index((p[0], p[2]) for p in people)
        exact, rest_ids = matching.deterministic(((r[0], r[1], r[2]) for r in rows),
                                                 by_pnc, by_ref)
        links.extend(PersonLink(record_id=record_id, person_id=person_id,
                                force_id=run.force_id, method=LinkMethod(method), run=run)
                     for record_id, person_id, method in exact)
        _progress(batch, rows_to_link=len(rows), rows_linked=len(links))
        left = set(rest_ids)
        rest = [row for row in rows if row[0] in left]
        if rest and people:
            run.model_settings = _probabilistic(run, rest, force, people, links, candidates)
        run.status = LinkageRun.Status.DONE
        _progress(batch, rows_linked=len(links))
    except Exception as exc:  # Splink/DuckDB errors: keep the deterministic links, say why
        log.exception("probabilistic linkage failed")
        run.status = LinkageRun.Status.FAILED
        run.problem = f"Probabilistic linkage failed: {exc}"[:2000]
    run.linked_pnc = sum(1 for link in links if link.method == LinkMethod.PNC)
    run.linked_force_reference = sum(1 for link in links
                                     if link.method == LinkMethod.FORCE_REFERENCE)
    run.linked_probabilistic = sum(1 for link in links if link.method == LinkMethod.PROBABILISTIC)
    run.sent_to_review = len(candidates)
    run.left_unlinked = len(rows) - len(links) - len(candidates)
    run.finished_at = timezone.now()
    with transaction.atomic():
        PersonLink.objects.bulk_create(links, batch_size=5000)
        LinkCandidate.objects.bulk_create(candidates, batch_size=5000)
        run.save()
        if links or candidates:
            record(actor=actor, operation=Operation.COMBINATION, obj=run,
                   justification=(f"Identity linkage of police crime records to people: "
                                  f"{len(links)} linked, {len(candidates)} sent for review "
                                  "(evaluating reoffending)"))
    return run


def _progress(batch, **counts: int) -> None:
    """Tell the import's page how far linkage has got (committed at once in the worker)."""
    if batch is not None:
        type(batch).objects.filter(pk=batch.pk).update(**counts)


def _table(rows) -> dict[str, list]:
    """Splink's input from (id, pnc, reference, *COMPARED) tuples, comparable rows only."""
    table: dict[str, list] = {"unique_id": [], **{name: [] for name in COMPARED}}
    for row in rows:
        values = [matching.clean(value) for value in row[3:]]
        if matching.is_comparable(values[0], values[1], values[2]):
            table["unique_id"].append(row[0])
            for name, value in zip(COMPARED, values, strict=True):
                table[name].append(value)
    return table


def _probabilistic(run, rest, force, people, links, candidates) -> dict:
    records = _table(rest)
    if not records["unique_id"]:
        return {}
    # The training sample is taken while reading, so the whole force is never held at once.
    everyone = CrimeRecord.objects.filter(force=force)
    step = -(-everyone.count() // matching.TRAINING_ROWS) or 1
    population = _table(row for number, row in enumerate(
        everyone.order_by("id").values_list("id", "pnc_id", "force_person_ref", *COMPARED)
        .iterator(chunk_size=20_000)) if number % step == 0)
    people_table = _table(people)
    model, skipped = matching.train(population, people_table)
    if skipped:
        run.problem = "; ".join(skipped)
    labels = matching.level_labels(model)
    for pair in matching.predict(model, records, people_table, lower=run.lower_threshold):
        if pair.probability >= run.upper_threshold:
            links.append(PersonLink(record_id=pair.record_id, person_id=pair.person_id,
                                    force_id=run.force_id, method=LinkMethod.PROBABILISTIC,
                                    match_probability=pair.probability,
                                    match_weight=pair.weight, run=run))
        else:
            comparisons = {
                name: {"level": labels.get(name, {}).get(pair.gammas[name],
                                                         str(pair.gammas[name])),
                       "weight": round(pair.weights[name], 2)}
                for name in COMPARED
            }
            candidates.append(LinkCandidate(run=run, force_id=run.force_id,
                                            record_id=pair.record_id, person_id=pair.person_id,
                                            match_probability=pair.probability,
                                            match_weight=pair.weight, comparisons=comparisons))
    return model
