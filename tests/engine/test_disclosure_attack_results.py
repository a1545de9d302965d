"""Results attacked: every withheld cell of a result's published tables (any and DA scopes,
6- and 12-month windows, read together) must survive an integer-programming recovery attempt
(tests/disclosure_attack.py). Uses only evaluate() and generate(), the engine's public API."""

import datetime as dt

import pytest

from reoffending import evaluate, generate
from reoffending.disclosure import SUPPRESSED
from tests.disclosure_attack import recover, result_tables, weak


def _people(treated_da, treated_other, n_treated, control_da, control_other, n_control):
    """A trial's cohort and offences: who reoffended (DA or other offences) in each arm."""
    cohort = {"person_id": [], "group": [], "arm": [], "index_date": []}
    offences = {"person_id": [], "offence_date": [], "recorded_date": [], "offence_code": [],
                "domestic_abuse": [], "same_victim": []}
    pid = 0
    for arm, n, da, other in (("treatment", n_treated, treated_da, treated_other),
                              ("control", n_control, control_da, control_other)):
        for i in range(n):
            for column, value in (("person_id", pid), ("group", arm), ("arm", arm),
                                  ("index_date", dt.date(2024, 1, 1))):
                cohort[column].append(value)
            if i < da + other:
                for column, value in (("person_id", pid), ("offence_date", dt.date(2024, 3, 1)),
                                      ("recorded_date", dt.date(2024, 3, 2)),
                                      ("offence_code", "8/1"), ("domestic_abuse", i < da),
                                      ("same_victim", False)):
                    offences[column].append(value)
            pid += 1
    return cohort, offences


def _attack(ev, threshold=5):
    tables, known = result_tables(ev.to_dict()["published"])
    found = recover(tables, known)
    return found, weak(found, threshold)


def test_a_small_count_is_not_recovered_from_the_any_and_da_tables_together():
    # All 10 treated reoffended with DA offences; 3 of 25 controls reoffended, none DA. Each
    # table alone is safe, but DA <= any and equal row totals pinned the control's 3.
    cohort, offences = _people(10, 0, 10, 0, 3, 25)
    ev = evaluate(cohort, offences, design="trial", windows=(182,), bootstrap=20,
                  data_end="2025-06-01")
    found, pinned = _attack(ev)
    assert found, "something must be withheld: the control arm's 3"
    assert pinned == {}, f"recovered: {pinned}"
    cells = ev.to_dict()["published"]["tables"]["182d_any"]["cells"]
    assert cells[1][0] == SUPPRESSED


@pytest.mark.parametrize(("people", "share", "seed", "design"), [
    (300, 0.03, 2, "trial"), (200, 0.1, 5, "trial"), (400, 0.05, 7, "trial"),
    (300, 0.5, 1, "matched"),
])
def test_generated_results_survive_recovery_across_scopes_and_windows(people, share, seed,
                                                                      design):
    data = generate(people, effect=0.2, seed=seed, design=design, treated_share=share)
    ev = evaluate(data.cohort, data.offences, design=design, bootstrap=20,
                  windows=(182, 365), scopes=("any", "da", "same_victim"))
    published = ev.to_dict()["published"]["tables"]
    assert set(published) == {f"{w}d_{s}" for w in (182, 365)
                              for s in ("any", "da", "same_victim")}
    found, narrow = _attack(ev)
    assert narrow == {}, f"narrowed below the threshold: {narrow}"
    for table in published.values():  # no small count is ever shown
        assert all(v == SUPPRESSED or v == 0 or v >= 5 for row in table["cells"] for v in row)
