"""Build an evaluation's inputs (cohort and offences) as Arrow tables from cases and records.

Reads go through the access policy as the analyst who defined the run. People appear under a
keyed pseudonym only (HMAC of the person id), never a name, date of birth or reference. A pooled
run draws from its pooled forces only, each still sharing under a data-sharing agreement, with
the force's name as the engine's `stratum`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import IntegerField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from diversion.accounts import policy
from diversion.administration.models import DataSharingAgreement, in_force
from diversion.cases.models import Case, Offence
from diversion.core.ages import age_on
from diversion.core.pseudonyms import person_pseudonym
from diversion.disposals import closure
from diversion.evaluation.models import Design, EvaluationRun, IndexBasis, WhoCounts
from diversion.programmes import registry
from diversion.records.models import PersonLink
from diversion.trials.models import TrialAllocation

COMPLETED = frozenset({"completed"})
STARTED = frozenset({"in_progress", "breached", "decided"})
# Police outcome types as the engine's disposal types (proven = conviction or caution).
DISPOSALS = {"conviction": "conviction", "caution": "caution", "conditional_caution": "caution",
             "community_resolution": "caution", "charge": "charge"}


@dataclass
class Inputs:
    cohort: pa.Table
    offences: pa.Table
    flow: dict = field(default_factory=dict)
    people: list[int] = field(default_factory=list)  # person pks, for the processing log
    data_end: dt.date | None = None

    def fingerprint(self) -> str:
        """SHA-256 of both tables' Arrow IPC stream bytes (data end in the schema metadata)."""
        digest = hashlib.sha256()
        for table in (self.cohort, self.offences):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            digest.update(sink.getvalue().to_pybytes())
        return digest.hexdigest()


def pseudonym(person_id: int) -> str:
    """A stable keyed pseudonym: the same person gets the same id across runs."""
    return person_pseudonym(person_id)


def received_of(case: Case) -> str:
    """What a referred case received (the engine's `received`): "completed" only when the
    programme was completed, by its status or, once closed, by the closure's recorded reason;
    a case closed after a breach decision received what a decided case did ("started"). The
    arm or group is never changed by this (intention to treat)."""
    status = case.status
    if status == "closed":
        found = getattr(case, "closure", None)  # a missing one raises, so getattr
        reason = found.reason if found is not None else None
        status = ("completed" if reason in closure.COMPLETED_REASONS
                  else "decided" if reason in closure.BREACH_CLOSURES else status)
    if status in COMPLETED and hasattr(case, "referral"):
        return "completed"
    if status in STARTED:
        return "started"
    return "none"


def _index_date(case: Case, basis: str, allocation: TrialAllocation | None) -> dt.date | None:
    if basis == IndexBasis.RANDOMISATION:
        return timezone.localdate(allocation.allocated_at) if allocation else None
    referral = getattr(case, "referral", None)
    if basis == IndexBasis.REFERRAL and referral is not None:
        return timezone.localdate(referral.referred_at)
    # The caution date; for people never referred (the comparison pool) also under the
    # referral basis, as the nearest comparable date. Older cases without a disposal record
    # fall back to the police outcome date of the index offence.
    disposal = getattr(case, "disposal", None)
    if disposal is not None:
        return disposal.disposal_date
    if basis == IndexBasis.REFERRAL and referral is None or basis == IndexBasis.CAUTION:
        return case.offence.outcome_date
    return None


class NotShared(ValueError):
    """A pooled force's data-sharing agreement is no longer in force."""


def run_forces(run: EvaluationRun) -> dict[int, str]:
    """The forces a run draws from (id -> name): its pooled forces, or its own force. A pooled
    force whose agreement has been withdrawn or has ended stops the run (no silent drop)."""
    pooled = {o.pk: o.name for o in run.pooled_forces.order_by("name")}
    if not pooled:
        return {run.force_id: ""}
    shared = set(policy.visible(run.created_by, DataSharingAgreement)
                 .filter(in_force(), receiver_id=run.force_id, force_id__in=pooled)
                 .values_list("force_id", flat=True))
    missing = sorted(name for pk, name in pooled.items() if pk not in shared)
    if missing:
        raise NotShared("no data-sharing agreement is in force any more for "
                        + ", ".join(missing))
    return pooled


def _cases(run: EvaluationRun, forces: dict[int, str]):
    return (policy.visible(run.created_by, Case)
            .filter(force_id__in=list(forces))
            .select_related("person", "offence", "disposal", "referral", "closure"))


def _assessment(run: EvaluationRun, forces: dict[int, str],
                allocations: Iterable[TrialAllocation]) -> dict:
    """The top of the CONSORT flow: the programme's cases assessed for eligibility in the run's
    period (randomised in it, or recorded in it and never randomised), and of those not
    randomised: found not eligible, still awaiting the decision, or eligible but not
    randomised (awaiting the victim's views or consent, or not taken further). A case recorded
    in the period but randomised outside it belongs to that other period's flow."""
    allocated = {a.case_id: timezone.localdate(a.allocated_at) for a in allocations}
    in_period = {pk for pk, day in allocated.items()
                 if run.index_from <= day <= run.index_to}
    never = {pk: status for pk, status in _cases(run, forces).filter(
        programme_code=run.programme_code, created_at__date__gte=run.index_from,
        created_at__date__lte=run.index_to).values_list("pk", "status")
        if pk not in allocated}
    counts = {"assessed_for_eligibility": len(in_period) + len(never), "not_eligible": 0,
              "awaiting_eligibility_decision": 0, "eligible_not_randomised": 0}
    for status in never.values():
        if status == "ineligible":
            counts["not_eligible"] += 1
        elif status == "recorded":
            counts["awaiting_eligibility_decision"] += 1
        else:
            counts["eligible_not_randomised"] += 1
    return counts


def _trial_rows(run: EvaluationRun, forces: dict[int, str], flow: dict) -> list[tuple]:
    trial = registry.current(run.programme_code).trial
    if trial is None:  # the definition form refuses this; a programme file may have changed
        raise ValueError(f"programme {run.programme_code!r} has no randomised trial")
    allocations = (policy.visible(run.created_by, TrialAllocation)
                   .filter(programme_code=run.programme_code, trial_code=trial.code,
                           case__force_id__in=list(forces))
                   .order_by("allocated_at", "id"))
    cases = _cases(run, forces).in_bulk([a.case_id for a in allocations])
    rows = []
    flow.update(_assessment(run, forces, allocations))
    flow.update(randomised=0, outside_period=0, no_index_date=0, repeat_people=0)
    for allocation in allocations:
        case = cases.get(allocation.case_id)
        if case is None:
            continue
        flow["randomised"] += 1
        arm = "treatment" if allocation.arm == trial.programme_arm else "control"
        received = received_of(case) if arm == "treatment" else "none"
        rows.append((case, arm, arm, received, allocation))
    return rows


def _matched_rows(run: EvaluationRun, forces: dict[int, str], flow: dict) -> list[tuple]:
    cases = (_cases(run, forces).filter(programme_code=run.programme_code)
             .order_by("created_at", "id"))
    rows = []
    flow.update(referred=0, not_counted=0, comparison_pool=0, outside_period=0,
                no_index_date=0, repeat_people=0)
    # which of what the treated received counts them (None: everyone referred)
    receipts: dict[str, set[str] | None] = {
        WhoCounts.REFERRED: None, WhoCounts.STARTED: {"started", "completed"},
        WhoCounts.COMPLETED: {"completed"}}
    counted = receipts[run.who_counts]
    for case in cases:
        referral = getattr(case, "referral", None)
        if referral is not None and referral.programme_code == run.programme_code:
            flow["referred"] += 1
            received = received_of(case)
            if counted is not None and received not in counted:
                flow["not_counted"] += 1
                continue
            rows.append((case, "treatment", "", received, None))
        elif referral is None and case.status not in ("recorded", "ineligible"):
            # Eligible but not referred: the comparison pool.
            flow["comparison_pool"] += 1
            rows.append((case, "comparison", "", "none", None))
    return rows


def build_inputs(run: EvaluationRun) -> Inputs:
    """The run's cohort and offences, deterministic for the same data and definition. Each
    column is gathered once from the queries and becomes one typed Arrow (or numpy) array;
    sorting and the offence filters are done on the arrays."""
    flow: dict[str, int] = {}
    forces = run_forces(run)
    rows = (_trial_rows(run, forces, flow) if run.design == Design.TRIAL
            else _matched_rows(run, forces, flow))
    seen: set[int] = set()
    columns: dict[str, list[Any]] = {name: [] for name in (
        "person", "group", "arm", "index_date", "received", "age", "male", "da_index",
        "index_offence", "stratum")}
    for case, group, arm, received, allocation in rows:
        index = _index_date(case, run.index_basis, allocation)
        if index is None:
            flow["no_index_date"] += 1
            continue
        if not run.index_from <= index <= run.index_to:
            flow["outside_period"] += 1
            continue
        if case.person_id in seen:  # one episode per person: the first in the period
            flow["repeat_people"] += 1
            continue
        seen.add(case.person_id)
        for name, value in (("person", case.person_id), ("group", group),
                            ("arm", arm or group), ("index_date", index),
                            ("received", received),
                            ("age", age_on(case.person.date_of_birth, index)),
                            ("male", case.person.sex == "M"),
                            ("da_index", case.offence.domestic_abuse),
                            ("index_offence", case.offence_id),
                            ("stratum", forces[case.force_id])):
            columns[name].append(value)

    people = pa.array(columns["person"], pa.int64())
    index_date = pa.array(columns["index_date"], pa.date32())
    pseudonyms = pa.array([pseudonym(pk) for pk in columns["person"]], pa.string())
    drawn = _People(people.to_numpy(), _days(index_date),
                    pa.array(columns["index_offence"], pa.int64()).to_numpy(), pseudonyms)
    offences, priors = _offences(run, drawn)
    data_end = run.created_at.date()
    meta = {b"data_end": data_end.isoformat().encode()}
    pooled = {"stratum": pa.array(columns["stratum"], pa.string())} if run.pooled else {}
    cohort_table = pa.table({
        "person_id": pseudonyms,
        "group": pa.array(columns["group"], pa.string()),
        "arm": pa.array(columns["arm"], pa.string()),
        "index_date": index_date,
        "received": pa.array(columns["received"], pa.string()),
        "age": np.asarray(columns["age"], dtype=np.float64),
        "male": np.asarray(columns["male"], dtype=np.float64),
        # the priors table is in the cohort's row order
        "prior_offences": priors["prior_offences"].to_numpy().astype(np.float64),
        "da_index": np.asarray(columns["da_index"], dtype=np.float64),
        **pooled,  # a pooled run: the force, which the engine stratifies by
    }).sort_by("person_id").replace_schema_metadata(meta)
    flow["cohort"] = cohort_table.num_rows
    flow["offences"] = offences.num_rows
    return Inputs(cohort_table, offences, flow, sorted(columns["person"]), data_end)


@dataclass
class _People:
    """The cohort as drawn, one entry per person: person pks, index days (days since 1970),
    index offence pks and pseudonyms."""

    person: np.ndarray
    index_day: np.ndarray
    index_offence: np.ndarray
    pseudonym: pa.Array


def _days(dates: pa.Array) -> np.ndarray:
    """Days since 1970 of a date32 array without nulls."""
    return dates.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


OFFENCE_SCHEMA = pa.schema([
    ("person_id", pa.string()), ("offence_date", pa.date32()), ("recorded_date", pa.date32()),
    ("offence_code", pa.string()), ("domestic_abuse", pa.bool_()), ("same_victim", pa.bool_()),
    ("disposal_type", pa.string()), ("disposal_date", pa.date32())])
_SOURCE_FIELDS = ("person", "pk", "offence_date", "recorded_date", "crime_reference", "code",
                  "domestic_abuse", "same_victim", "outcome_type", "outcome_date")


def _offences(run: EvaluationRun, drawn: _People) -> tuple[pa.Table, pa.Table]:
    """Offences after each person's index date, from cases and linked crime records, once each
    (the same crime reference from both sources counts once; cases' offences first), and a
    table of each person's offences on or before the index date (other than the index offence)
    in the cohort's row order: (offences, priors)."""
    ids = drawn.person.tolist()
    case_rows = (policy.visible(run.created_by, Offence).filter(person_id__in=ids)
                 .order_by("id").values_list(
                     "person_id", "id", "offence_date", "recorded_date", "crime_reference",
                     "offence_code_id", "domestic_abuse", Value(False), "outcome_type",
                     "outcome_date"))
    link_rows = (policy.visible(run.created_by, PersonLink).filter(person_id__in=ids)
                 .order_by("id").values_list(
                     "person_id", Value(None, output_field=IntegerField()),
                     "record__offence_date", "record__recorded_date",
                     "record__crime_reference",
                     Coalesce(NullIf("record__offence_code_id", Value("")),
                              "record__offence_code_raw"),
                     "record__domestic_abuse", "record__same_victim", "record__outcome_type",
                     "record__outcome_date"))
    found: dict[str, list[Any]] = {name: [] for name in _SOURCE_FIELDS}
    for source in (case_rows, link_rows):
        for row in source:
            for name, value in zip(_SOURCE_FIELDS, row, strict=True):
                found[name].append(value)
    person = pa.array(found["person"], pa.int64()).to_numpy()
    # cohort row of each offence's person
    order = np.argsort(drawn.person, kind="stable")
    row = order[np.searchsorted(drawn.person, person, sorter=order)]
    offence_day = _days(pa.array(found["offence_date"], pa.date32()))
    pk = pa.array(found["pk"], pa.int64())
    not_index = ~(pk.is_valid().to_numpy(zero_copy_only=False)
                  & (pk.fill_null(-1).to_numpy() == drawn.index_offence[row]))
    after = offence_day > drawn.index_day[row]
    prior = np.bincount(row[not_index & ~after], minlength=len(drawn.person))
    priors = pa.table({"person_id": drawn.pseudonym, "prior_offences": prior})

    keep = np.flatnonzero(not_index & after)
    references = pa.array(found["crime_reference"], pa.string()).take(keep)
    reference_code = references.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    # the first row of each (person, crime reference)
    _, first = np.unique(row[keep].astype(np.int64) * (int(reference_code.max(initial=0)) + 1)
                         + reference_code, return_index=True)
    keep = keep[np.sort(first)]
    recorded_day = _days(pa.array(found["recorded_date"], pa.date32()))[keep]
    outcome = pa.array(found["outcome_type"], pa.string()).take(keep)
    # an outcome type that is not a disposal has no index, so takes null, then "none"
    disposal = pc.fill_null(pc.take(pa.array(list(DISPOSALS.values()), pa.string()),
                                    pc.index_in(outcome, pa.array(list(DISPOSALS)))), "none")
    disposed = pc.not_equal(disposal, "none")
    table = pa.table({
        "person_id": drawn.pseudonym.take(pa.array(row[keep])),
        "offence_date": pa.array(offence_day[keep].astype(np.int32)).cast(pa.date32()),
        "recorded_date": pa.array(np.maximum(recorded_day, offence_day[keep])
                                  .astype(np.int32)).cast(pa.date32()),
        "offence_code": pa.array(found["code"], pa.string()).take(keep),
        "domestic_abuse": pa.array(found["domestic_abuse"], pa.bool_()).take(keep),
        "same_victim": pa.array(found["same_victim"], pa.bool_()).take(keep),
        "disposal_type": disposal,
        "disposal_date": pc.if_else(disposed, pa.array(found["outcome_date"], pa.date32())
                                    .take(keep), pa.scalar(None, pa.date32())),
    }, schema=OFFENCE_SCHEMA)
    return table.sort_by([("person_id", "ascending"), ("offence_date", "ascending"),
                          ("offence_code", "ascending")]), priors
