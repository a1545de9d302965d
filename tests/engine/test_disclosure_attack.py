"""Disclosure control tested by attack: every withheld cell of every table published together
must survive an integer-programming recovery attempt (tests/disclosure_attack.py)."""

import datetime as dt

import numpy as np
import pytest

from reoffending import evaluate, generate
from reoffending.cli import main
from reoffending.disclosure import (
    SUPPRESSED,
    Relation,
    Table,
    check_threshold,
    protect,
    publish,
    ranges,
    render,
    suppress,
)
from tests.disclosure_attack import Published, recover, result_tables, weak


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


def _random_pair(rng):
    nt, nc = int(rng.integers(3, 40)), int(rng.integers(3, 200))
    at, ac = int(rng.integers(0, nt + 1)), int(rng.integers(0, nc + 1))
    dt_, dc = int(rng.integers(0, at + 1)), int(rng.integers(0, ac + 1))
    return ([[at, nt - at], [ac, nc - ac]], [[dt_, nt - dt_], [dc, nc - dc]])


def test_random_linked_tables_survive_recovery():
    rng = np.random.default_rng(13)
    relations = ([Relation(("da", i, 2), ("any", i, 2)) for i in range(3)]
                 + [Relation(("da", i, 0), ("any", i, 0), "<=") for i in range(3)])
    known = [(r.left, r.kind, r.right) for r in relations]
    for _ in range(40):
        any_, da = _random_pair(rng)
        counts = {"any": Table(any_), "da": Table(da)}
        masks = protect(counts, 5, relations)
        published = {k: Published(render(t.grid(), masks[k])) for k, t in counts.items()}
        found = recover(published, known)
        assert weak(found, 5) == {}, (any_, da, published)
        # the engine's own audit agrees with the attacker on every withheld cell's range
        assert {k: (lo, hi) for k, (lo, hi) in ranges(counts, masks, relations).items()} == {
            k: (float(lo), float(hi)) for k, (lo, hi) in found.items()}


def test_an_empty_group_does_not_leave_the_other_small_cell_recoverable():
    # Started by sex: 21 male, 2 female, 0 unknown (23). The unknown group recorded no cases,
    # so its 0 cannot protect the 2: the secondary cell is the smallest non-zero one.
    recorded = Table([[30], [5], [0]], row_totals=False)
    started = Table([[21], [2], [0]], row_totals=False)
    relations = [Relation(("started", i, 0), ("recorded", i, 0), "<=") for i in range(4)]
    masks = protect({"recorded": recorded, "started": started}, 5, relations)
    assert masks["started"][1, 0] and masks["started"][0, 0] and not masks["started"][2, 0]
    published = {name: Published([row[:1] for row in render(t.grid(), masks[name])],
                                 row_totals=False)
                 for name, t in (("recorded", recorded), ("started", started))}
    known = [(r.left, "<=", r.right) for r in relations]
    assert weak(recover(published, known), 5) == {}


def test_the_tie_break_is_the_smallest_non_zero_inner_cell_then_reading_order():
    mask = suppress(np.array([[3, 9, 9, 30], [40, 50, 60, 70]]))
    # the 3's row partner is the first 9 (smallest, then reading order), not the 30 or a total
    assert mask[0, 0] and mask[0, 1] and not mask[0, 2] and not mask[0, 4]
    assert not suppress(np.array([[0, 40], [20, 50]])).any()
    table = publish(np.array([[3, 40], [20, 50]]))
    assert table[0][0] == SUPPRESSED and table[2][2] == 113


@pytest.mark.parametrize("bad", [1, 0, -5])
def test_a_threshold_of_one_or_less_is_refused(bad):
    with pytest.raises(ValueError, match="at least 2"):
        check_threshold(bad)
    with pytest.raises(ValueError, match="at least 2"):
        publish(np.array([[1, 2], [3, 4]]), bad)
    data = generate(100, effect=0.2, seed=1, design="trial")
    with pytest.raises(ValueError, match="at least 2"):
        evaluate(data.cohort, data.offences, design="trial", publish_threshold=bad)


@pytest.mark.parametrize("bad", ["1", "0", "-3", "five"])
def test_the_cli_refuses_a_bad_publish_threshold_with_exit_status_2(bad, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--cohort", "c.csv", "--offences", "o.csv", "--design", "trial",
              "--out", str(tmp_path / "r.json"), "--publish-threshold", bad])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "--publish-threshold" in err and "Traceback" not in err


def test_a_relation_that_does_not_hold_is_refused():
    with pytest.raises(ValueError, match="does not hold"):
        protect({"a": Table([[3, 4]]), "b": Table([[5, 6]])}, 5,
                [Relation(("b", 0, 0), ("a", 0, 0), "<=")])
