"""Propensity model against statsmodels; matching against scikit-learn and a naive greedy
reference; balance against pandas."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.neighbors import NearestNeighbors

from reoffending import propensity
from reoffending.errors import EstimationError, InputError
from reoffending.matching import balance, match, overlap
from reoffending.propensity import design_matrix, fit_logit

TOL = 1e-6


def _confounded(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.random(n) < 0.3, rng.poisson(2, n)])
    t = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.8 * X[:, 0] + 0.5 * X[:, 1] + 0.1 * X[:, 2])))
    return X.astype(float), t


@pytest.mark.parametrize("warm_start_rows", [100_000, 500])  # plain Newton; subsample warm start
def test_logit_matches_statsmodels(warm_start_rows):
    X, t = _confounded()
    res, eta = fit_logit(X, t, ["a", "b", "c"], warm_start_rows=warm_start_rows)
    ref = sm.Logit(t.astype(float), sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=100)
    assert np.allclose(res.coef, ref.params, atol=TOL, rtol=0)
    assert np.allclose(res.se, ref.bse, atol=TOL, rtol=0)
    assert res.log_likelihood == pytest.approx(ref.llf, abs=1e-6)
    assert np.allclose(eta, sm.add_constant(X) @ ref.params, atol=1e-6)
    assert res.names == ["(intercept)", "a", "b", "c"]


@pytest.mark.parametrize("warm_start_rows", [100_000, 500])
def test_logit_in_two_halves_on_a_second_thread_is_the_same(monkeypatch, warm_start_rows):
    # large data is summed in two halves (one maybe on a pool): shrink the sizes to test it
    monkeypatch.setattr(propensity, "SPLIT_ROWS", 1000)
    monkeypatch.setattr(propensity, "BLOCK", 256)
    X, t = _confounded(n=6001)
    ref = sm.Logit(t.astype(float), sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=100)
    alone, eta_alone = fit_logit(X, t, warm_start_rows=warm_start_rows)
    with ThreadPoolExecutor(1) as pool:
        res, eta = fit_logit(X, t, warm_start_rows=warm_start_rows, pool=pool)
    assert np.array_equal(res.coef, alone.coef) and np.array_equal(res.se, alone.se)
    assert np.array_equal(eta, eta_alone)
    assert np.allclose(res.coef, ref.params, atol=TOL, rtol=0)
    assert np.allclose(res.se, ref.bse, atol=TOL, rtol=0)
    assert np.allclose(eta, sm.add_constant(X) @ ref.params, atol=1e-6)


def test_text_covariates_are_dummy_coded_against_the_first_level():
    d = design_matrix({"force": np.array(["b", "a", "c", "a"], dtype=object),
                       "age": np.array([20.0, 30, 40, 50])}, 4)  # fmt: skip
    assert d.names == ["force=b", "force=c", "age"]
    assert d.X[:, 0].tolist() == [1, 0, 0, 0]


def test_constant_covariate_is_named():
    X, t = _confounded(500)
    X[:, 1] = 1.0
    with pytest.raises(InputError, match="cohort.b: covariate is constant"):
        fit_logit(X, t, ["a", "b", "c"])


def test_separation_is_a_clear_error():
    X, t = _confounded(500)
    X[:, 0] = t + np.random.default_rng(1).random(500) * 0.1
    with pytest.raises(EstimationError, match="'a' may separate"):
        fit_logit(X, t, ["a", "b", "c"])


def _logit(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.random(n) < 1 / (1 + np.exp(-(x - 1.5)))
    return np.round(x, 2), t  # rounding makes ties, as discrete covariates do


@pytest.mark.parametrize("k", [1, 3])
def test_with_replacement_finds_the_nearest_neighbours_scikit_learn_finds(k):
    x, t = _logit()
    m = match(x, t, ratio=k, replace=True, caliper_sd=0.2)
    nn = NearestNeighbors(n_neighbors=k).fit(x[~t, None])
    dist, _ = nn.kneighbors(x[t, None])
    ours = {}
    for tr, co in m.pairs:
        ours.setdefault(tr, []).append(abs(x[tr] - x[co]))
    for i, tr in enumerate(np.flatnonzero(t)):
        expected = sorted(d for d in dist[i] if d <= m.caliper + 1e-12)
        assert sorted(ours.get(tr, [])) == pytest.approx(expected, abs=1e-12)
    assert m.caliper == pytest.approx(0.2 * np.sqrt((x[t].var(ddof=1) + x[~t].var(ddof=1)) / 2))


def _greedy_reference(x, t, k, caliper, order):
    """The textbook loop: treated in the given order take their nearest free controls."""
    controls = list(np.flatnonzero(~t))
    pairs = []
    treated = np.flatnonzero(t)
    for i in order:
        tr = treated[i]
        for _ in range(k):
            if not controls:
                break
            dists = [abs(x[tr] - x[c]) for c in controls]
            j = int(np.argmin(dists))
            if dists[j] > caliper:
                break
            pairs.append((tr, abs(x[tr] - x[controls[j]])))
            controls.pop(j)
    return pairs


@pytest.mark.parametrize("k", [1, 2])
def test_without_replacement_equals_the_greedy_reference(k):
    rng = np.random.default_rng(4)
    x = rng.normal(size=600)  # continuous: no ties, so the nearest control is unique
    t = rng.random(600) < 1 / (1 + np.exp(-(x - 0.5)))
    m = match(x, t, ratio=k, replace=False, seed=9)
    order = np.argsort(np.random.default_rng(9).permutation(t.sum()))
    ref = _greedy_reference(x, t, k, m.caliper, order)
    ours = sorted((int(a), round(abs(x[a] - x[b]), 12)) for a, b in m.pairs)
    assert ours == sorted((int(a), round(d, 12)) for a, d in ref)
    assert len(set(m.pairs[:, 1].tolist())) == len(m.pairs)  # each control used once


def test_matching_is_deterministic_for_a_seed_and_respects_the_caliper():
    x, t = _logit()
    a = match(x, t, replace=False, seed=5)
    b = match(x, t, replace=False, seed=5)
    assert np.array_equal(a.pairs, b.pairs) and np.array_equal(a.weights, b.weights)
    assert np.all(np.abs(x[a.pairs[:, 0]] - x[a.pairs[:, 1]]) <= a.caliper)
    assert a.treated_matched + a.treated_unmatched == t.sum()
    assert a.weights[~t].sum() == pytest.approx(a.treated_matched)


def test_balance_matches_pandas_before_and_after():
    X, t = _confounded(3000, seed=6)
    res, eta = fit_logit(X, t, ["a", "b", "c"])
    m = match(eta, t, ratio=2)
    bal = balance(X, ["a", "b", "c"], t, m.weights)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(t=t, w=m.weights)
    pooled = np.sqrt((df[df.t].var() + df[~df.t].var()) / 2)[["a", "b", "c"]]
    smd0 = (df[df.t].mean() - df[~df.t].mean())[["a", "b", "c"]] / pooled
    assert np.allclose(bal.smd_before, smd0.values, atol=1e-9)
    after = df[df.w > 0]
    wmean = after.groupby("t")[["a", "b", "c", "w"]].apply(
        lambda g: np.average(g[["a", "b", "c"]], axis=0, weights=g.w)
    )
    smd1 = (wmean[True] - wmean[False]) / pooled.values
    assert np.allclose(bal.smd_after, smd1, atol=1e-9)
    assert np.abs(bal.smd_after).max() < np.abs(bal.smd_before).max()
    assert "a" in bal.flagged_before


def test_overlap_counts_treated_outside_the_control_range():
    score = np.array([0.05, 0.2, 0.5, 0.95, 0.3, 0.4])
    t = np.array([True, True, True, True, False, False])
    ov = overlap(score, t)
    assert ov.treated_outside_control_range == 4
    assert sum(ov.treated_per_bin) == 4 and sum(ov.control_per_bin) == 2
