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
"""

from __future__ import annotations

import copy
import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Person
from diversion.records.models import (
    CrimeRecord,
    LinkageRun,
    LinkCandidate,
    LinkMethod,
    PersonLink,
)

UPPER_THRESHOLD = 0.95
LOWER_THRESHOLD = 0.50
COMPARED = ("given_name", "family_name", "date_of_birth", "sex", "postcode_district")

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
    rows = list(unlinked.values("id", "pnc_id", "force_person_ref", *COMPARED))
    population = CrimeRecord.objects.filter(force=force)
    people = list(Person.objects.filter(force=force)
                  .values("id", "pnc_id", "force_reference", *COMPARED))
    links: list[PersonLink] = []
    candidates: list[LinkCandidate] = []
    try:
        rest = _deterministic(run, rows, people, links)
        if rest and people:
            run.model_settings = _probabilistic(run, rest, population, people, links,
                                                candidates)
        run.status = LinkageRun.Status.DONE
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


def _deterministic(run, rows, people, links) -> list[dict]:
    by_pnc = _unique_index(people, "pnc_id")
    by_ref = _unique_index(people, "force_reference")
    rest = []
    for row in rows:
        person_id = by_pnc.get(row["pnc_id"]) if row["pnc_id"] else None
        method = LinkMethod.PNC
        if person_id is None and row["force_person_ref"]:
            person_id, method = by_ref.get(row["force_person_ref"]), LinkMethod.FORCE_REFERENCE
        if person_id is None:
            rest.append(row)
        else:
            links.append(PersonLink(record_id=row["id"], person_id=person_id,
                                    force_id=run.force_id, method=method, run=run))
    return rest


def _unique_index(people, key) -> dict[str, int]:
    """value -> person id, leaving out values two people share (no guessing between them)."""
    counts = Counter(p[key] for p in people if p[key])
    return {p[key]: p["id"] for p in people if p[key] and counts[p[key]] == 1}


def _table(rows, id_key="id") -> dict[str, list]:
    def clean(value):
        if value in ("", None):
            return None
        return value.isoformat() if hasattr(value, "isoformat") else str(value).strip().lower()

    table = {"unique_id": [row[id_key] for row in rows]}
    for name in COMPARED:
        table[name] = [clean(row[name]) for row in rows]
    return table


# Bounds for every estimated probability: log2 of 0 or of 1/(1-1) is undefined.
_FLOOR, _CEILING = 1e-9, 1 - 1e-9


def _comparable(rows) -> list[dict]:
    return [row for row in rows if row["family_name"] and row["date_of_birth"]]


def _settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("postcode_district"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name"), block_on("date_of_birth"),
            block_on("given_name", "postcode_district"),
        ],
        retain_intermediate_calculation_columns=True,
    )


def _bounded(model: dict, records: int, people: int) -> dict:
    """The saved model with every probability strictly inside (0, 1).

    A prior of 0 (no pair in the data looked like a match) falls back to one true pair in all
    the record-person pairs; m or u of exactly 0 or 1 (a level never or always seen) is pulled
    just inside the bounds, so that level's weight is large but finite.
    """
    prior = model.get("probability_two_random_records_match") or 0.0
    if not _FLOOR <= prior <= _CEILING:
        prior = 1.0 / max(records * people, 1) if prior <= 0 else _CEILING
    model["probability_two_random_records_match"] = prior
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            for key in ("m_probability", "u_probability"):
                if key in level and level[key] is not None:
                    level[key] = min(max(float(level[key]), _FLOOR), _CEILING)
    return model


def _train(db_api, population, people, run) -> dict:
    """Estimate the model on all of the force's crime records against its people."""
    from splink import Linker, block_on

    training_rows = _comparable(list(population.values("id", *COMPARED)))
    records_df = db_api.register(_table(training_rows), dataset_display_name="records")
    people_df = db_api.register(_table(people), dataset_display_name="people")
    linker = Linker([records_df, people_df], _settings(), log_level=logging.ERROR)
    training = linker.training
    skipped = []
    try:
        training.estimate_probability_two_random_records_match(
            [block_on("family_name", "date_of_birth")], recall=0.9)
    except Exception as exc:  # no deterministic pair at all: the bounded fallback prior stands
        skipped.append(f"prior not estimated: {str(exc).splitlines()[0][:200]}")
    training.estimate_u_using_random_sampling(max_pairs=200_000, seed=2026)
    for blocking in (block_on("date_of_birth"), block_on("family_name")):
        try:
            training.estimate_parameters_using_expectation_maximisation(blocking)
        except Exception as exc:  # e.g. no pairs share the blocking key in this data
            skipped.append(f"EM blocked on {blocking.get_blocking_rule('duckdb').blocking_rule_sql}"
                           f" skipped: {str(exc).splitlines()[0][:200]}")
    if skipped:
        run.problem = "; ".join(skipped)
    return _bounded(linker.misc.save_model_to_json(), len(training_rows), len(people))


def _probabilistic(run, rest, population, people, links, candidates) -> dict:
    from splink import DuckDBAPI, Linker

    comparable = _comparable(rest)
    if not comparable:
        return {}
    logging.getLogger("splink").setLevel(logging.ERROR)
    model = _train(DuckDBAPI(), population, people, run)
    db_api = DuckDBAPI()
    records_df = db_api.register(_table(comparable), dataset_display_name="records")
    people_df = db_api.register(_table(people), dataset_display_name="people")
    linker = Linker([records_df, people_df], copy.deepcopy(model), log_level=logging.ERROR)
    labels = _level_labels(model)
    best: dict[int, dict] = {}
    for pair in linker.inference.predict(threshold_match_probability=run.lower_threshold) \
            .as_record_list():
        if pair["source_dataset_l"] == "records":
            record_id, person_id = pair["unique_id_l"], pair["unique_id_r"]
        else:
            record_id, person_id = pair["unique_id_r"], pair["unique_id_l"]
        pair["_ids"] = (int(record_id), int(person_id))
        held = best.get(int(record_id))
        if held is None or pair["match_probability"] > held["match_probability"]:
            best[int(record_id)] = pair
    for pair in best.values():
        record_id, person_id = pair["_ids"]
        probability, weight = float(pair["match_probability"]), float(pair["match_weight"])
        if probability >= run.upper_threshold:
            links.append(PersonLink(record_id=record_id, person_id=person_id,
                                    force_id=run.force_id, method=LinkMethod.PROBABILISTIC,
                                    match_probability=probability, match_weight=weight,
                                    run=run))
        else:
            comparisons = {
                name: {"level": labels.get(name, {}).get(int(pair[f"gamma_{name}"]),
                                                         str(pair[f"gamma_{name}"])),
                       "weight": round(float(pair.get(f"mw_{name}") or 0.0), 2)}
                for name in COMPARED
            }
            candidates.append(LinkCandidate(run=run, force_id=run.force_id,
                                            record_id=record_id, person_id=person_id,
                                            match_probability=probability,
                                            match_weight=weight, comparisons=comparisons))
    return model


def _level_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison column -> gamma value -> the level's label, from the saved model."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        name = comparison.get("output_column_name", "")
        levels = comparison.get("comparison_levels", [])
        non_null = [level for level in levels if not level.get("is_null_level")]
        mapping = {-1: "One or both missing"}
        for position, level in enumerate(non_null):
            mapping[len(non_null) - 1 - position] = level.get("label_for_charts", "")
        labels[name] = mapping
    return labels
