"""Steps run side by side (threads=2, the default on large cohorts) give the same result, bit
for bit, as steps run in order (threads=1), and bad input raises the same first error."""

import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from reoffending import EstimationError, InputError, evaluate, generate

evaluate_module = sys.modules["reoffending.evaluate"]


@pytest.fixture(autouse=True)
def threads_on_small_cohorts(monkeypatch):
    monkeypatch.setattr(evaluate_module, "THREADS_FROM_ROWS", 0)


@pytest.fixture(scope="module")
def matched():
    return generate(3000, effect=0.2, seed=5, design="matched")


def _run(data, threads, **kw):
    steps = []
    ev = evaluate(data.cohort, data.offences, threads=threads, progress=steps.append, **kw)
    return ev, steps


@pytest.mark.parametrize("design", ["matched", "trial"])
def test_side_by_side_equals_in_order(design):
    data = generate(3000, effect=0.2, seed=5, design=design)
    kw = {"design": design, "scopes": ("any", "da", "same_victim"), "bootstrap": 200}
    one, steps_one = _run(data, 1, **kw)
    two, steps_two = _run(data, 2, **kw)
    assert any("side by side" in s for s in steps_two)  # the pool really ran
    assert not any("side by side" in s for s in steps_one)
    assert json.dumps(one.to_dict(), sort_keys=True) == json.dumps(two.to_dict(), sort_keys=True)
    if design == "matched":
        assert np.array_equal(one.matching.pairs, two.matching.pairs)
        assert np.array_equal(one.matching.weights, two.matching.weights)


def test_without_replacement_and_ratio_side_by_side(matched):
    kw = {"design": "matched", "ratio": 2, "replace": False, "seed": 7}
    one, _ = _run(matched, 1, **kw)
    two, _ = _run(matched, 3, **kw)
    assert json.dumps(one.to_dict(), sort_keys=True) == json.dumps(two.to_dict(), sort_keys=True)


def _bad_offence_date(data):
    dates = data.offences["offence_date"].cast(pa.string()).to_pylist()
    dates[4] = "2024-13-01"
    return data.offences.set_column(1, "offence_date", pa.array(dates))


@pytest.mark.parametrize("threads", [1, 2])
def test_an_offences_error_comes_before_a_cohort_label_error(matched, threads):
    offences = _bad_offence_date(matched)
    with pytest.raises(InputError, match=r"offences.offence_date: unparseable dates .*rows 5$"):
        evaluate(matched.cohort, offences, design="matched", treated_label="nobody",
                 threads=threads)  # fmt: skip
    with pytest.raises(InputError, match=r"no rows labelled 'nobody'"):
        evaluate(matched.cohort, matched.offences, design="matched", treated_label="nobody",
                 threads=threads)  # fmt: skip


@pytest.mark.parametrize("threads", [1, 2])
def test_an_offences_error_comes_before_a_model_error(matched, threads):
    # male = treated: the propensity model fails, but the bad offence is reported first
    cohort = matched.cohort
    treated = pc.equal(cohort["group"], "treatment")
    cohort = cohort.set_column(cohort.schema.get_field_index("male"), "male",
                               pc.cast(treated, pa.int64()))  # fmt: skip
    with pytest.raises(InputError, match=r"offences.offence_date"):
        evaluate(cohort, _bad_offence_date(matched), design="matched", threads=threads)
    with pytest.raises(EstimationError, match="propensity model"):
        evaluate(cohort, matched.offences, design="matched", threads=threads)


def test_threads_must_be_positive(matched):
    with pytest.raises(ValueError, match="threads"):
        evaluate(matched.cohort, matched.offences, design="matched", threads=0)
