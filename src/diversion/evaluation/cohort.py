"""Build an evaluation's inputs (cohort and offences) as Arrow tables from cases and records.

Reads go through the access policy as the analyst who defined the run. People appear under a
keyed pseudonym only (HMAC of the person id), never a name, date of birth or reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pyarrow as pa
from django.utils import timezone

from diversion.accounts import policy
from diversion.cases.models import Case, Offence
from diversion.core.ages import age_on
from diversion.core.pseudonyms import pseudonym as keyed_pseudonym
from diversion.evaluation.models import Design, EvaluationRun, IndexBasis, WhoCounts
from diversion.programmes import registry
from diversion.records.models import PersonLink
from diversion.trials.models import TrialAllocation

COMPLETED = frozenset({"completed", "closed"})
STARTED = frozenset({"in_progress", "breached", "decided"})
# Police outcome types as the engine's disposal types (proven = conviction or caution).
DISPOSALS = {"conviction": "conviction", "caution": "caution", "conditional_caution": "caution",
             "community_resolution": "caution", "charge": "charge"}
COVARIATES = ("age", "male", "prior_offences", "da_index")


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
    return keyed_pseudonym(str(person_id), length=16, key_prefix="evaluation-pseudonym:")


def received_of(case: Case) -> str:
    if case.status in COMPLETED and hasattr(case, "referral"):
        return "completed"
    if case.status in STARTED:
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


def _cases(run: EvaluationRun):
    return (policy.visible(run.created_by, Case)
            .filter(force_id=run.force_id)
            .select_related("person", "offence", "disposal", "referral"))


def _trial_rows(run: EvaluationRun, flow: dict) -> list[tuple]:
    trial = registry.current(run.programme_code).trial
    allocations = (policy.visible(run.created_by, TrialAllocation)
                   .filter(programme_code=run.programme_code, trial_code=trial.code,
                           case__force_id=run.force_id)
                   .order_by("allocated_at", "id"))
    cases = _cases(run).in_bulk([a.case_id for a in allocations])
    rows = []
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


def _matched_rows(run: EvaluationRun, flow: dict) -> list[tuple]:
    cases = _cases(run).filter(programme_code=run.programme_code).order_by("created_at", "id")
    rows = []
    flow.update(referred=0, not_counted=0, comparison_pool=0, outside_period=0,
                no_index_date=0, repeat_people=0)
    counted = {WhoCounts.REFERRED: None, WhoCounts.STARTED: {"started", "completed"},
               WhoCounts.COMPLETED: {"completed"}}[run.who_counts]
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
    """The run's cohort and offences, deterministic for the same data and definition."""
    flow: dict = {}
    rows = _trial_rows(run, flow) if run.design == Design.TRIAL else _matched_rows(run, flow)
    seen: set[int] = set()
    cohort: dict[str, list] = {name: [] for name in
                               ("person_id", "group", "arm", "index_date", "received")}
    for name in COVARIATES:
        cohort[name] = []
    index_of: dict[int, tuple[dt.date, int, str]] = {}
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
        index_of[case.person_id] = (index, case.offence_id, pseudonym(case.person_id))
        cohort["person_id"].append(pseudonym(case.person_id))
        cohort["group"].append(group)
        cohort["arm"].append(arm or group)
        cohort["index_date"].append(index)
        cohort["received"].append(received)
        cohort["age"].append(float(age_on(case.person.date_of_birth, index)))
        cohort["male"].append(1.0 if case.person.sex == "M" else 0.0)
        cohort["prior_offences"].append(0.0)
        cohort["da_index"].append(1.0 if case.offence.domestic_abuse else 0.0)

    offences = _offences(run, index_of, cohort)
    order = sorted(range(len(cohort["person_id"])), key=cohort["person_id"].__getitem__)
    data_end = run.created_at.date()
    meta = {b"data_end": data_end.isoformat().encode()}
    cohort_table = pa.table({name: [values[i] for i in order] for name, values in
                             cohort.items()}).replace_schema_metadata(meta)
    cohort_table = cohort_table.set_column(
        cohort_table.schema.get_field_index("index_date"), "index_date",
        pa.array(cohort_table["index_date"].to_pylist(), pa.date32()))
    flow["cohort"] = cohort_table.num_rows
    flow["offences"] = offences.num_rows
    return Inputs(cohort_table, offences, flow, sorted(index_of), data_end)


def _offences(run: EvaluationRun, index_of: dict, cohort: dict) -> pa.Table:
    """Offences after each person's index date, from cases and linked crime records, once each
    (the same crime reference from both sources counts once)."""
    found: dict[tuple[int, str], dict] = {}
    prior: dict[int, int] = {}
    candidates = (policy.visible(run.created_by, Offence)
                  .filter(person_id__in=list(index_of)).order_by("id"))
    linked = (policy.visible(run.created_by, PersonLink)
              .filter(person_id__in=list(index_of)).select_related("record").order_by("id"))
    sources = [(o.person_id, o, o.offence_code_id, o.id) for o in candidates]
    sources += [(link.person_id, link.record,
                 link.record.offence_code_id or link.record.offence_code_raw, None)
                for link in linked]
    for person_id, offence, code, offence_pk in sources:
        index, index_offence, _ = index_of[person_id]
        if offence_pk == index_offence:
            continue
        if offence.offence_date <= index:
            prior[person_id] = prior.get(person_id, 0) + 1
            continue
        key = (person_id, offence.crime_reference)
        if key in found:
            continue
        disposal = DISPOSALS.get(offence.outcome_type, "none")
        found[key] = {
            "person_id": index_of[person_id][2], "offence_date": offence.offence_date,
            "recorded_date": max(offence.recorded_date, offence.offence_date),
            "offence_code": code, "domestic_abuse": bool(offence.domestic_abuse),
            "same_victim": bool(getattr(offence, "same_victim", False)),
            "disposal_type": disposal,
            "disposal_date": offence.outcome_date if disposal != "none" else None,
        }
    pseudonyms = {value[2]: person for person, value in index_of.items()}
    for i, pid in enumerate(cohort["person_id"]):
        cohort["prior_offences"][i] = float(prior.get(pseudonyms[pid], 0))
    rows = sorted(found.values(), key=lambda r: (r["person_id"], r["offence_date"],
                                                 r["offence_code"]))
    schema = pa.schema([("person_id", pa.string()), ("offence_date", pa.date32()),
                        ("recorded_date", pa.date32()), ("offence_code", pa.string()),
                        ("domestic_abuse", pa.bool_()), ("same_victim", pa.bool_()),
                        ("disposal_type", pa.string()), ("disposal_date", pa.date32())])
    return pa.Table.from_pylist(rows, schema=schema)
