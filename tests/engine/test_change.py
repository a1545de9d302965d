"""Start-to-end change (SWEMWBS): a hand-worked example and scipy's paired t-test as oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reoffending.change import summarise_change, summarise_changes


def test_hand_worked_example():
    # Changes 4, 0, 3, -2 (the fourth person has no end score): mean 5/4 = 1.25;
    # squared deviations 7.5625 + 1.5625 + 3.0625 + 10.5625 = 22.75, SD = sqrt(22.75 / 3)
    # = 2.75379; SE = 1.37689; t(0.975, 3) = 3.18245; half-width 4.38185.
    found = summarise_change([20, 22, 18, 25, 19], [24, 22, 21, None, 17], meaningful=3)
    assert (found.people, found.paired, found.no_end) == (5, 4, 1)
    assert found.mean_change == pytest.approx(1.25)
    assert found.sd_change == pytest.approx(2.75379, abs=1e-5)
    assert found.ci_low == pytest.approx(1.25 - 4.38185, abs=1e-4)
    assert found.ci_high == pytest.approx(1.25 + 4.38185, abs=1e-4)
    assert (found.improved, found.worsened, found.no_meaningful_change) == (2, 0, 2)


def test_two_decimal_metric_scores_meet_the_threshold_exactly():
    found = summarise_change([17.73, 20.73], [20.73, 17.73], meaningful=3)
    assert (found.improved, found.worsened) == (1, 1)


def test_only_start_scores_are_counted_not_dropped():
    found = summarise_change([20.0, 21.0], [None, float("nan")], meaningful=3)
    assert (found.people, found.paired, found.no_end) == (2, 0, 2)
    assert found.mean_change is None and found.ci_low is None
    one = summarise_change([20.0], [23.0], meaningful=3)
    assert one.mean_change == 3 and one.ci_low is None and one.improved == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_scipy_paired_t_test(seed):
    rng = np.random.default_rng(seed)
    start = rng.uniform(7, 35, 60).round(2)
    end = (start + rng.normal(1.5, 4, 60)).clip(7, 35).round(2)
    ends = [None if i % 7 == 0 else float(e) for i, e in enumerate(end)]
    found = summarise_change([float(s) for s in start], ends, meaningful=3)
    keep = np.array([e is not None for e in ends])
    oracle = stats.ttest_rel(end[keep], start[keep]).confidence_interval(0.95)
    assert found.paired == int(keep.sum()) and found.no_end == int((~keep).sum())
    assert found.mean_change == pytest.approx(float(np.mean(end[keep] - start[keep])))
    assert found.ci_low == pytest.approx(oracle.low, rel=1e-9)
    assert found.ci_high == pytest.approx(oracle.high, rel=1e-9)
    changes = end[keep] - start[keep]
    assert found.improved == int((changes >= 3 - 1e-9).sum())
    assert found.worsened == int((changes <= -3 + 1e-9).sum())


@pytest.mark.parametrize("start, end, meaningful, message", [
    ([1.0], [], 3, "one score each"), ([1.0], [2.0], 0, "above zero"),
    ([None], [2.0], 3, "start score")])
def test_bad_input_refused(start, end, meaningful, message):
    with pytest.raises(ValueError, match=message):
        summarise_change(start, end, meaningful=meaningful)


def test_confidence_must_be_a_proportion():
    with pytest.raises(ValueError, match="confidence"):
        summarise_change([1.0], [2.0], meaningful=3, confidence=95)
    assert math.isfinite(summarise_change([1.0, 2.0], [3.0, 3.0], meaningful=3).ci_high or 0)


def test_from_changes_and_no_end_count_matches_pairs():
    pairs = summarise_change([20, 22, 18, 25, 19], [24, 22, 21, None, 17], meaningful=3)
    counts = summarise_changes([4, 0, 3, -2], no_end=1, meaningful=3)
    assert pairs == counts
    with pytest.raises(ValueError, match="negative"):
        summarise_changes([1.0], no_end=-1, meaningful=3)
