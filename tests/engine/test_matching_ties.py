"""The documented tie rule for nearest-neighbour matching is what the code does."""

import numpy as np
import pytest

from reoffending.matching import match

# Row 0 is treated at logit 0. Rows 1, 3, 4 are controls at -1, rows 2, 5, 6 controls at +1:
# six controls at the same distance, three below and three above.
LOGIT = np.array([0.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0, 9.0])
TREATED = np.arange(len(LOGIT)) == 0


@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize(("k", "expected"), [
    (1, [4]), (2, [4, 3]), (3, [4, 3, 1]), (4, [4, 3, 1, 2]), (6, [4, 3, 1, 2, 5, 6]),
])  # fmt: skip
def test_ties_go_below_first_then_nearest_in_logit_row_order(replace, k, expected):
    """Equal distances: the lower logit first; among equal logits below, the later cohort row
    (nearer in the logit-then-row order), above, the earlier row. The seed plays no part."""
    for seed in (0, 1, 2):
        m = match(LOGIT, TREATED, caliper_sd=100.0, ratio=k, replace=replace, seed=seed)
        assert sorted(m.pairs[:, 1].tolist()) == sorted(expected)


def test_controls_with_the_treated_persons_logit_are_taken_in_row_order():
    logit = np.array([0.5, 0.5, 0.5, 0.5, 0.4])
    treated = np.array([False, True, False, False, False])
    for replace in (True, False):
        m = match(logit, treated, caliper_sd=100.0, ratio=2, replace=replace)
        assert sorted(m.pairs[:, 1].tolist()) == [0, 2]  # not row 3, nor row 4 (further)
