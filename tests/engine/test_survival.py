"""Kaplan-Meier, log-rank and Cox against lifelines and statsmodels (test-only oracles)."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from statsmodels.duration.hazard_regression import PHReg

from reoffending.errors import EstimationError
from reoffending.survival import cox, kaplan_meier, logrank

TOL = 1e-6
# lifelines stops at a step norm of 1e-7 by default; ask it to converge as far as we do.
TIGHT = {"fit_options": {"precision": 1e-13, "r_precision": 0.0, "max_steps": 200}}


def _data(n=800, p=3, seed=1, tied=True):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 0] = rng.random(n) < 0.4  # a treatment indicator first
    hazard = np.exp(X @ np.linspace(-0.5, 0.3, p))
    t = rng.exponential(200 / hazard)
    c = rng.uniform(50, 400, n)
    time = np.minimum(t, c)
    event = t <= c
    if tied:
        time = np.ceil(time / 7).astype(np.int64)  # weekly: many ties
    return time, event, X


@pytest.mark.parametrize("tied", [True, False])
def test_cox_matches_lifelines_coefficients_and_model_se(tied):
    time, event, X = _data(tied=tied)
    ours = cox(time, event, X, robust=False)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(T=time, E=event)
    ref = CoxPHFitter().fit(df, "T", "E", **TIGHT)
    assert np.allclose(ours.coef, ref.params_.values, atol=TOL, rtol=0)
    assert np.allclose(ours.se, ref.standard_errors_.values, atol=TOL, rtol=0)
    assert ours.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-6)


def test_cox_weighted_robust_matches_lifelines_without_ties():
    time, event, X = _data(tied=False, seed=2)
    w = np.random.default_rng(3).integers(1, 4, len(time)).astype(float)
    ours = cox(time, event, X, weights=w, robust=True)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(T=time, E=event, W=w)
    ref = CoxPHFitter().fit(df, "T", "E", weights_col="W", robust=True, **TIGHT)
    assert np.allclose(ours.coef, ref.params_.values, atol=TOL, rtol=0)
    assert np.allclose(ours.robust_se, ref.standard_errors_.values, atol=TOL, rtol=0)


@pytest.mark.filterwarnings("ignore:It appears your weights are not integers")
def test_cox_weighted_efron_ties_matches_lifelines():
    time, event, X = _data(seed=4)
    w = np.random.default_rng(5).uniform(0.5, 2, len(time))
    ours = cox(time, event, X, weights=w, robust=False)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(T=time, E=event, W=w)
    ref = CoxPHFitter().fit(df, "T", "E", weights_col="W", **TIGHT)
    assert np.allclose(ours.coef, ref.params_.values, atol=TOL, rtol=0)
    assert np.allclose(ours.se, ref.standard_errors_.values, atol=TOL, rtol=0)


def test_cox_robust_with_ties_matches_statsmodels_phreg():
    time, event, X = _data(seed=6)
    ours = cox(time, event, X, robust=True)
    model = PHReg(time.astype(float), X, status=event.astype(float), ties="efron")
    ref = model.fit(groups=np.arange(len(time)), tol=1e-12)
    assert np.allclose(ours.coef, ref.params, atol=TOL, rtol=0)
    assert np.allclose(ours.robust_se, ref.bse, atol=TOL, rtol=0)


def test_cox_without_events_is_a_clear_error():
    time, _, X = _data(n=50)
    with pytest.raises(EstimationError, match="no events"):
        cox(time, np.zeros(50, bool), X)


@pytest.mark.parametrize("tied", [True, False])
def test_kaplan_meier_matches_lifelines(tied):
    time, event, _ = _data(tied=tied, seed=7)
    ours = kaplan_meier(time, event)
    ref = KaplanMeierFitter().fit(time, event)
    sf = ref.survival_function_.iloc[:, 0]
    ci = ref.confidence_interval_
    for k, t in enumerate(ours.times):
        assert ours.survival[k] == pytest.approx(sf.loc[t], abs=1e-9)
        assert ours.ci_lower[k] == pytest.approx(ci.iloc[:, 0].loc[t], abs=1e-9)
        assert ours.ci_upper[k] == pytest.approx(ci.iloc[:, 1].loc[t], abs=1e-9)
    assert ours.median == pytest.approx(ref.median_survival_time_) or (
        ours.median is None and np.isinf(ref.median_survival_time_)
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_logrank_matches_lifelines(weighted):
    time, event, X = _data(seed=8)
    g = X[:, 0].astype(bool)
    w = np.random.default_rng(9).integers(1, 3, len(time)).astype(float) if weighted else None
    ours = logrank(time, event, g, weights=w)
    kw = {}
    if weighted:
        kw = {"weights_A": w[g], "weights_B": w[~g]}
    ref = logrank_test(time[g], time[~g], event[g], event[~g], **kw)
    assert ours.statistic == pytest.approx(ref.test_statistic, abs=1e-6)
    assert ours.p_value == pytest.approx(ref.p_value, abs=1e-9)


def test_logrank_with_one_group_only_is_undefined_not_an_error():
    time, event, _ = _data(n=30)
    res = logrank(time, event, np.ones(30, bool))
    assert res.statistic is None and res.p_value is None


def test_cox_with_one_binary_covariate_collapses_to_cells_and_still_matches():
    time, event, X = _data(n=1500, seed=10)
    x = X[:, 0]
    ours = cox(time, event, x, robust=True)
    df = pd.DataFrame({"x": x, "T": time, "E": event})
    ref = CoxPHFitter().fit(df, "T", "E", **TIGHT)
    assert ours.coef[0] == pytest.approx(ref.params_.iloc[0], abs=TOL)
    assert ours.se[0] == pytest.approx(ref.standard_errors_.iloc[0], abs=TOL)
    model = PHReg(time.astype(float), x[:, None], status=event.astype(float), ties="efron")
    sm_fit = model.fit(groups=np.arange(len(time)), tol=1e-12)
    assert ours.robust_se[0] == pytest.approx(sm_fit.bse[0], abs=TOL)
    # weighted: the collapsed path equals the person-level path (forced by one-person clusters)
    w = np.random.default_rng(11).choice([0.5, 1.0, 2.0], len(time))
    cells = cox(time, event, x, weights=w)
    rows = cox(time, event, x, weights=w, cluster=np.arange(len(time)))
    assert cells.coef[0] == pytest.approx(rows.coef[0], abs=1e-9)
    assert cells.robust_se[0] == pytest.approx(rows.robust_se[0], abs=1e-9)
    assert cells.se[0] == pytest.approx(rows.se[0], abs=1e-9)


def test_cox_with_many_people_per_day_matches_statsmodels_phreg():
    # Long runs of tied days take the per-day matrix-product path: same answer as the oracle.
    time, event, X = _data(n=6000, seed=12)
    time = np.minimum(time, 40)  # at most 40 distinct days: 150 people a day on average
    ours = cox(time, event, X, robust=True)
    model = PHReg(time.astype(float), X, status=event.astype(float), ties="efron")
    ref = model.fit(groups=np.arange(len(time)), tol=1e-12)
    assert np.allclose(ours.coef, ref.params, atol=TOL, rtol=0)
    assert np.allclose(ours.robust_se, ref.bse, atol=TOL, rtol=0)


def test_cox_constant_covariate_is_named():
    time, event, X = _data(n=2000)
    X[:, 2] = 3.0
    with pytest.raises(EstimationError, match="'c' is constant"):
        cox(time, event, X, names=["a", "b", "c"])
