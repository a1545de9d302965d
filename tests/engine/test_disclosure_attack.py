"""The disclosure rule on hand-built linked tables: attacked, tie-break, settings refused.
Results from evaluate() are attacked in test_disclosure_attack_results.py."""

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
from tests.disclosure_attack import Published, recover, weak


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
