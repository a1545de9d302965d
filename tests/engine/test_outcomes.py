"""Outcome definitions: a pandas oracle on generated data, and the edge cases one by one."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from reoffending import InputError, evaluate, generate, load_harm_table
from reoffending.outcomes import compute_outcomes
from reoffending.tables import join_people, load_cohort, load_offences

HARM = load_harm_table()
D = dt.date


def _tables(cohort_rows, offence_rows):
    columns = ["person_id", "group", "arm", "index_date"]
    cohort = pa.table(pd.DataFrame(cohort_rows, columns=columns))
    offences = pa.table(pd.DataFrame(offence_rows, columns=[
        "person_id", "offence_date", "recorded_date", "offence_code", "domestic_abuse",
        "same_victim", "disposal_type", "disposal_date"]))  # fmt: skip
    return cohort, offences


def _outcomes(cohort, offences, **kw):
    c = load_cohort(cohort, covariates=[])
    o = load_offences(offences, c)
    return compute_outcomes(c, o, HARM, **kw)


def test_outcomes_match_a_pandas_oracle_on_generated_data():
    data = generate(3000, effect=0.2, seed=11)
    outs = _outcomes(data.cohort, data.offences, windows=(182, 365), scopes=("any", "da"),
                     data_end_day=(data.data_end - D(1970, 1, 1)).days)  # fmt: skip
    cohort = data.cohort.to_pandas()[["person_id", "index_date"]]
    off = data.offences.to_pandas()
    off["offence_code"] = off["offence_code"].astype(str)
    df = off.merge(cohort, on="person_id")
    df["d"] = (pd.to_datetime(df.offence_date) - pd.to_datetime(df.index_date)).dt.days
    df["w"] = df.offence_code.map(HARM.weights).fillna(0.0)
    end = pd.Timestamp(data.data_end)
    follow = (end - pd.to_datetime(cohort.index_date)).dt.days.values
    for oc in outs.outcomes:
        sel = df[(df.d > 0) & (df.d <= oc.window_days)
                 & (pd.to_datetime(df.recorded_date) <= end)]  # fmt: skip
        if oc.scope == "da":
            sel = sel[sel.domestic_abuse]
        g = sel.groupby("person_id")
        count = g.size().reindex(cohort.person_id, fill_value=0).values
        harm = g.w.sum().reindex(cohort.person_id, fill_value=0).values
        sev = g.w.max().reindex(cohort.person_id, fill_value=0).values
        first = g.d.min().reindex(cohort.person_id).values
        assert np.array_equal(oc.count, count)
        assert np.allclose(oc.harm, harm) and np.allclose(oc.severity, sev)
        horizon = np.minimum(follow, oc.window_days)
        event = ~np.isnan(first) & (first <= horizon)
        assert np.array_equal(oc.event, event)
        assert np.array_equal(oc.time, np.where(event, first, horizon))
        assert np.array_equal(oc.eligible, follow >= oc.window_days)


def _one(index="2024-01-10", offences=(), window=(182,), end="2025-06-30", **kw):
    cohort, off = _tables([(1, "treatment", "treatment", D.fromisoformat(index)),
                           (2, "control", "control", D.fromisoformat(index))],
                          list(offences) or [(2, D(2020, 1, 1), D(2020, 1, 1), "105A", False,
                                              False, None, None)])  # fmt: skip
    return _outcomes(cohort, off, windows=window, scopes=("any",),
                     data_end_day=(D.fromisoformat(end) - D(1970, 1, 1)).days, **kw)  # fmt: skip


def _off(day, code="105A", da=False, disposal=None, disposal_date=None, recorded=None, pid=1):
    return (pid, D.fromisoformat(day), D.fromisoformat(recorded or day), code, da, False,
            disposal, D.fromisoformat(disposal_date) if disposal_date else None)  # fmt: skip


def test_offences_before_and_on_the_index_date_never_count():
    outs = _one(offences=[_off("2023-12-01"), _off("2024-01-10"), _off("2024-01-11")])
    oc = outs.outcomes[0]
    assert oc.count[0] == 1 and oc.time[0] == 1 and oc.event[0]


def test_all_offences_before_the_index_date_means_no_reoffending():
    oc = _one(offences=[_off("2023-12-01"), _off("2020-05-01")]).outcomes[0]
    assert oc.count[0] == 0 and not oc.event[0] and oc.time[0] == 182


def test_window_edges_are_inclusive_of_the_last_day():
    oc = _one(offences=[_off("2024-07-10"), _off("2024-07-11")]).outcomes[0]  # day 182, 183
    assert oc.count[0] == 1


def test_follow_up_cut_short_by_the_data_end_is_censored_and_left_out_of_rates():
    oc = _one(index="2025-03-01", offences=[_off("2025-07-01")], end="2025-06-30").outcomes[0]
    assert not oc.eligible[0]
    assert oc.time[0] == (D(2025, 6, 30) - D(2025, 3, 1)).days and not oc.event[0]


def test_offences_recorded_after_the_data_end_do_not_count():
    oc = _one(offences=[_off("2024-02-01", recorded="2025-07-05")]).outcomes[0]
    assert oc.count[0] == 0


def test_proven_basis_needs_a_proving_disposal_within_window_plus_waiting_period():
    offences = [
        _off("2024-02-01", disposal="conviction", disposal_date="2024-12-01"),  # inside 182+182
        _off("2024-02-02", disposal="conviction", disposal_date="2025-02-01"),  # too late
        _off("2024-02-03", disposal="charge", disposal_date="2024-03-01"),  # not proving
        _off("2024-02-04", disposal="caution", disposal_date="2024-02-20"),
        _off("2024-02-05"),  # never disposed of
    ]
    oc = _one(offences=offences, basis="proven").outcomes[0]
    assert oc.count[0] == 2
    # a year after index plus the waiting period is past the data end: not eligible for 365
    long = _one(offences=offences, basis="proven", window=(365,), end="2025-03-01").outcomes[0]
    assert not long.eligible[0]


def test_time_to_first_is_censored_at_the_data_end_less_the_waiting_period_when_proven():
    """Index 2024-01-10, data end 2025-03-01: recorded follow-up runs to the data end (416 days,
    so the 365-day window); proven follow-up to 2024-08-31 (234 days), after which an offence has
    not had 182 days to be proven. An offence on day 265, proven quickly, is after that point:
    censored, like the absence of one."""
    late = [_off("2024-10-01", disposal="conviction", disposal_date="2024-11-01")]
    for offences, proven_time in (((), 234), (late, 234)):
        proven = _one(offences=offences, basis="proven", window=(365,), end="2025-03-01")
        oc = proven.outcomes[0]
        assert oc.time[0] == proven_time and not oc.event[0]
    recorded = _one(offences=late, window=(365,), end="2025-03-01").outcomes[0]
    assert recorded.time[0] == 265 and recorded.event[0]
    assert _one(window=(365,), end="2025-03-01").outcomes[0].time[0] == 365


def test_unknown_codes_are_counted_and_reported_not_dropped():
    outs = _one(offences=[_off("2024-02-01", code="ZZ9"), _off("2024-03-01", code="8N")])
    oc = outs.outcomes[0]
    assert oc.count[0] == 2
    assert oc.harm[0] == HARM.weights["8N"]
    assert outs.unknown_codes == {"ZZ9": 1}


def test_da_and_same_victim_scopes():
    cohort, off = _tables([(1, "treatment", "treatment", D(2024, 1, 10))], [
        (1, D(2024, 2, 1), D(2024, 2, 1), "8U", True, True, None, None),
        (1, D(2024, 3, 1), D(2024, 3, 1), "8U", True, False, None, None),
        (1, D(2024, 4, 1), D(2024, 4, 1), "46", False, False, None, None),
    ])  # fmt: skip
    outs = _outcomes(cohort, off, windows=(182,), scopes=("any", "da", "same_victim"),
                     data_end_day=(D(2025, 6, 30) - D(1970, 1, 1)).days)  # fmt: skip
    assert [o.count[0] for o in outs.outcomes] == [3, 2, 1]


def test_offences_of_people_outside_the_cohort_are_counted_in_the_result():
    outs = _one(offences=[_off("2024-02-01"), _off("2024-02-01", pid=99)])
    assert outs.offences_not_in_cohort == 1


def test_no_events_in_an_arm_runs_end_to_end():
    cohort, off = _tables(
        [(i, "x", "treatment" if i < 20 else "control", D(2024, 1, 10)) for i in range(60)],
        [_off("2024-02-01", pid=i) for i in range(20, 40)],
    )
    ev = evaluate(cohort, off, design="trial", windows=(182,), scopes=("any",),
                  data_end="2025-06-30")  # fmt: skip
    o = ev.outcomes[0]
    assert o.treated.reoffended == 0 and o.prevalence.continuity_correction
    assert o.cox is None and "Cox model not estimated" in o.note
    assert ev.to_dict()["outcomes"][0]["prevalence"]["risk_treated"] == 0.0


def test_an_arm_of_size_one_runs_end_to_end():
    cohort, off = _tables(
        [(i, "x", "treatment" if i == 0 else "control", D(2024, 1, 10)) for i in range(30)],
        [_off("2024-02-01", pid=i) for i in range(0, 10)],
    )
    ev = evaluate(cohort, off, design="trial", windows=(182,), scopes=("any",),
                  data_end="2025-06-30")  # fmt: skip
    assert ev.verdict == "inconclusive"
    assert ev.outcomes[0].treated.people == 1


def test_an_empty_arm_is_reported_clearly():
    from reoffending import InputError

    cohort, off = _tables([(i, "x", "control", D(2024, 1, 10)) for i in range(10)],
                          [_off("2024-02-01", pid=1)])  # fmt: skip
    with pytest.raises(InputError, match="no rows labelled 'treatment'"):
        evaluate(cohort, off, design="trial")


def test_an_empty_control_arm_is_refused_like_other_one_arm_inputs():
    cohort, off = _tables([(i, "x", "treatment", D(2024, 1, 10)) for i in range(10)],
                          [_off("2024-02-01", pid=1)])  # fmt: skip
    with pytest.raises(InputError, match=r"cohort.arm: no rows labelled 'control'"):
        evaluate(cohort, off, design="trial", windows=(182,), scopes=("any",),
                 data_end="2025-06-30")  # fmt: skip


@pytest.mark.parametrize("ids", [
    [0, 1, 2, 5, 3],  # from 0: indexed directly
    [100_001, 100_003, 100_002],  # compact, away from 0: shifted
    [-4, -1, 2, 0],  # negative ids
    [7, 10**12, 3],  # sparse: sorted join
])  # fmt: skip
def test_people_are_joined_by_id_whatever_the_ids_range(ids):
    rng = np.random.default_rng(0)
    pool = [*ids, min(ids) - 1, max(ids) + 1, 10**13, -(10**13)]  # and some not in the cohort
    wanted = rng.choice(pool, 200)
    rows = join_people(pa.array(ids, pa.int64()), pa.array(wanted, pa.int64()))
    where = {v: i for i, v in enumerate(ids)}
    assert rows.tolist() == [where.get(int(v), -1) for v in wanted]
