"""The result's survival curves (with numbers at risk) and covariate balance, through the
engine's public functions: numbers at risk against a hand count, curves against lifelines,
balance against a direct computation."""

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pytest
from lifelines import KaplanMeierFitter

from reoffending import SettingError, evaluate, generate
from reoffending.cli import main

DAY0 = dt.date(2024, 1, 1)


def _tiny():
    """Ten people per arm with known first reoffences (days after the index) or none."""
    first = {  # person -> (arm, days to the first reoffence or None)
        **{i: ("treatment", d) for i, d in enumerate([3, 10, 10, 25, None, None, 40, 59, 60,
                                                      None])},  # fmt: skip
        **{10 + i: ("control", d) for i, d in enumerate([1, 5, 10, 10, 20, 30, None, 45, 61,
                                                         None])},  # fmt: skip
    }
    ids = sorted(first)
    index = [DAY0 + dt.timedelta(days=i) for i in ids]
    cohort = pa.table({"person_id": ids, "group": ["x"] * len(ids),
                       "arm": [first[i][0] for i in ids], "index_date": index,
                       "age": [20.0 + (i * 7) % 13 for i in ids],
                       "male": [float(i % 3 == 0) for i in ids]})  # fmt: skip
    rows = [(i, index[k] + dt.timedelta(days=first[i][1])) for k, i in enumerate(ids)
            if first[i][1] is not None]
    # a second, later offence for some: never changes the time to first
    rows += [(i, d + dt.timedelta(days=5)) for i, d in rows[::3]]
    offences = pa.table({"person_id": [r[0] for r in rows],
                         "offence_date": [r[1] for r in rows],
                         "recorded_date": [r[1] for r in rows],
                         "offence_code": ["105A"] * len(rows),
                         "domestic_abuse": [False] * len(rows)})  # fmt: skip
    return first, cohort, offences


def test_numbers_at_risk_match_a_hand_count_and_curves_match_lifelines():
    first, cohort, offences = _tiny()
    window, every = 60, 10
    ev = evaluate(cohort, offences, design="trial", windows=(window,), scopes=("any",),
                  data_end="2026-01-01", bootstrap=0, at_risk_every=every)  # fmt: skip
    curves = ev.outcomes[0].curves
    assert curves.days == [0, 10, 20, 30, 40, 50, 60] and curves.weighted is False
    for curve, arm in ((curves.treated, "treatment"), (curves.control, "control")):
        assert curve.label == arm
        # time to first: the reoffence day within the window, else censored at the window end
        times = [d if d is not None and d <= window else window
                 for a, d in first.values() if a == arm]  # fmt: skip
        events = [d is not None and d <= window for a, d in first.values() if a == arm]
        assert curve.people == len(times) == 10
        assert curve.at_risk == [sum(t >= day for t in times) for day in curves.days]
        assert curve.weighted_at_risk is None
        km = KaplanMeierFitter().fit(times, events)
        for day, surv in curve.points:
            assert surv == pytest.approx(km.survival_function_at_times(day).iloc[0], abs=1e-6)
        assert curve.points[0] == [0, 1.0]
        event_days = sorted({t for t, e in zip(times, events, strict=True) if e})
        assert [d for d, _ in curve.points[1:]] == event_days
    # treatment: 3 | 10 10 | 25 | 40 | 59 60 (and three with none): by hand
    assert curves.treated.at_risk == [10, 9, 7, 6, 6, 5, 4]
    # the JSON (what the command line writes) carries the same
    data = ev.to_dict()["outcomes"][0]["curves"]
    assert data["treated"]["at_risk"] == curves.treated.at_risk
    assert data["control"]["points"] == curves.control.points


def test_weighted_curves_in_the_matched_design_count_the_matched_sample():
    data = generate(3000, effect=0.2, seed=5, design="matched")
    ev = evaluate(data.cohort, data.offences, design="matched", windows=(182,),
                  scopes=("any",), bootstrap=0, covariates=["age", "male", "prior_12m"])
    curves = ev.outcomes[0].curves
    assert curves.weighted and curves.days[-1] == 180
    w = ev.matching.weights
    group = np.asarray(data.cohort["group"].to_pylist())
    index = np.asarray(data.cohort["index_date"].cast(pa.int32()).to_numpy())
    ids = np.asarray(data.cohort["person_id"].to_pylist())
    end = ev.definitions["data_end"]
    end_day = (dt.date.fromisoformat(end) - dt.date(1970, 1, 1)).days
    # time to first by hand: first offence strictly after the index, within the window and
    # recorded by the data end; else censored at the window or the data end
    off_person = np.asarray(data.offences["person_id"].to_pylist())
    off_day = np.asarray(data.offences["offence_date"].cast(pa.int32()).to_numpy())
    rec_day = np.asarray(data.offences["recorded_date"].cast(pa.int32()).to_numpy())
    row_of = {p: i for i, p in enumerate(ids)}
    time = np.minimum(182, end_day - index).astype(float)
    for p, d, r in zip(off_person, off_day, rec_day, strict=True):
        i = row_of.get(p)
        if i is None:
            continue
        gap = d - index[i]
        if 0 < gap <= 182 and r <= end_day and gap < time[i]:
            time[i] = gap
    for curve, label in ((curves.treated, "treatment"), (curves.control, "comparison")):
        used = (group == label) & (w > 0)
        assert curve.people == used.sum()
        assert curve.at_risk == [int(np.sum(time[used] >= d)) for d in curves.days]
        assert curve.weighted_at_risk == pytest.approx(
            [float(w[used][time[used] >= d].sum()) for d in curves.days], abs=1e-9)


def _smd(x, treated, control, w=None, pooled=None):
    wt = np.ones(treated.sum()) if w is None else w[treated]
    wc = np.ones(control.sum()) if w is None else w[control]
    diff = np.average(x[treated], weights=wt) - np.average(x[control], weights=wc)
    if pooled is None:
        pooled = np.sqrt((x[treated].var(ddof=1) + x[control].var(ddof=1)) / 2)
    return diff / pooled, pooled


def test_balance_before_and_after_matching_against_a_direct_computation():
    data = generate(3000, effect=0.2, seed=6, design="matched")
    names = ["age", "male", "prior_12m"]
    ev = evaluate(data.cohort, data.offences, design="matched", windows=(182,),
                  scopes=("any",), bootstrap=0, covariates=names)
    group = np.asarray(data.cohort["group"].to_pylist())
    treated, control = group == "treatment", group == "comparison"
    w = ev.matching.weights
    assert ev.balance.names == names
    for k, name in enumerate(names):
        x = np.asarray(data.cohort[name].to_pylist(), dtype=float)
        before, pooled = _smd(x, treated, control)
        after, _ = _smd(x, treated & (w > 0), control & (w > 0), w, pooled)
        assert ev.balance.smd_before[k] == pytest.approx(before, abs=1e-9)
        assert ev.balance.smd_after[k] == pytest.approx(after, abs=1e-9)
        assert ev.balance.mean_treated_before[k] == pytest.approx(x[treated].mean(), abs=1e-9)
    saved = ev.to_dict()["balance"]
    assert saved["smd_before"] == pytest.approx(list(ev.balance.smd_before))
    assert saved["smd_after"] == pytest.approx(list(ev.balance.smd_after))


def test_a_trial_with_covariates_describes_the_arms_balance_only():
    first, cohort, offences = _tiny()
    ev = evaluate(cohort, offences, design="trial", windows=(60,), scopes=("any",),
                  data_end="2026-01-01", bootstrap=0, covariates=["age", "male"])
    arm = np.asarray(cohort["arm"].to_pylist())
    for k, name in enumerate(["age", "male"]):
        x = np.asarray(cohort[name].to_pylist(), dtype=float)
        smd, _ = _smd(x, arm == "treatment", arm == "control")
        assert ev.balance.smd_before[k] == pytest.approx(smd, abs=1e-9)
    assert ev.balance.smd_after is None and ev.balance.flagged_after == []
    assert ev.to_dict()["balance"]["mean_treated_after"] is None
    # without covariates a trial is as before: no balance, the same effects
    plain = evaluate(cohort, offences, design="trial", windows=(60,), scopes=("any",),
                     data_end="2026-01-01", bootstrap=0)
    assert plain.balance is None
    assert plain.to_dict()["outcomes"] == ev.to_dict()["outcomes"]


def test_at_risk_every_must_be_a_whole_number_of_days():
    first, cohort, offences = _tiny()
    with pytest.raises(SettingError, match="numbers at risk"):
        evaluate(cohort, offences, at_risk_every=0)


def test_the_command_line_writes_the_curves_and_balance(tmp_path, capsys):
    data = generate(400, effect=0.2, seed=3, design="trial")
    import pyarrow.parquet as pq

    pq.write_table(data.cohort, tmp_path / "c.parquet")
    pq.write_table(data.offences, tmp_path / "o.parquet")
    out = tmp_path / "r.json"
    code = main(["evaluate", "--cohort", str(tmp_path / "c.parquet"), "--offences",
                 str(tmp_path / "o.parquet"), "--design", "trial", "--out", str(out), "--quiet",
                 "--bootstrap",
                 "0", "--at-risk-every", "91", "--covariates", "age,male"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    for outcome in result["outcomes"]:
        assert outcome["curves"]["days"] == list(range(0, outcome["window_days"] + 1, 91))
    assert result["balance"]["names"] == ["age", "male"]
