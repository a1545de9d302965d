"""Stratified effects (a pooled run: the force as a stratum) against test-only oracles:
Mantel-Haenszel risk ratio against statsmodels' StratifiedTable; the Mantel-Haenszel risk
difference and its Greenland-Robins variance against each stratum's Wald variance from
statsmodels combined with the Mantel-Haenszel weights, and against a hand-worked example;
stratified log-rank against lifelines per stratum and the stratified Cox score test in
statsmodels' PHReg; stratified Cox against lifelines' CoxPHFitter(strata=...). With one
stratum every stratified estimator equals today's unstratified one."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import confint_proportions_2indep

from reoffending import evaluate, generate
from reoffending.effects import Z95, arm, binary_from, binary_stratified
from reoffending.survival import cox_from, cox_strata, logrank_from, logrank_strata, tally

TOL = 1e-6
TIGHT = {"fit_options": {"precision": 1e-13, "r_precision": 0.0, "max_steps": 200}}

# events / people: (treated, control) per stratum
TABLES = [((30, 120), (45, 118)), ((12, 60), (20, 64)), ((50, 300), (61, 290))]


def _arms(tables):
    treated, control = [], []
    for (a, n1), (c, n0) in tables:
        treated.append(arm(np.r_[np.ones(a), np.zeros(n1 - a)]))
        control.append(arm(np.r_[np.ones(c), np.zeros(n0 - c)]))
    return treated, control


def test_mantel_haenszel_risk_ratio_matches_statsmodels_stratified_table():
    t, c = _arms(TABLES)
    eff, _ = binary_stratified(["a", "b", "c"], t, c)
    tables = [np.array([[a, n1 - a], [cc, n0 - cc]]) for (a, n1), (cc, n0) in TABLES]
    ref = StratifiedTable(tables)
    assert eff.risk_ratio == pytest.approx(ref.riskratio_pooled, abs=1e-12)
    assert eff.method == "mantel_haenszel"


def test_mantel_haenszel_risk_difference_and_variance_match_per_stratum_wald_from_statsmodels():
    t, c = _arms(TABLES)
    eff, strata = binary_stratified(["a", "b", "c"], t, c)
    num = den = var = 0.0
    for (a, n1), (cc, n0) in TABLES:
        lo, hi = confint_proportions_2indep(a, n1, cc, n0, method="wald", compare="diff")
        w = n1 * n0 / (n1 + n0)
        num += w * (a / n1 - cc / n0)
        den += w
        var += w * w * ((hi - lo) / (2 * Z95)) ** 2
    assert eff.risk_difference == pytest.approx(num / den, abs=1e-12)
    half = Z95 * np.sqrt(var) / den
    assert eff.risk_difference_ci == pytest.approx((num / den - half, num / den + half), abs=1e-9)
    assert [s.people_treated for s in strata] == [120, 60, 300]
    assert [s.people_control for s in strata] == [118, 64, 290]


def test_a_hand_worked_two_stratum_example():
    # Stratum 1: treated 2/4, control 1/4; stratum 2: treated 1/2, control 2/4.
    # Greenland S, Robins JM (1985) Biometrics 41:55-68; Sato T (1989) Biometrics 45:1323-4
    # (the formulas as printed in the SAS/STAT PROC FREQ "Mantel-Haenszel risk difference"
    # details). By hand, in fractions:
    #   w1 = 4*4/8 = 2, w2 = 2*4/6 = 4/3, W = 10/3
    #   RD_MH = (2*(1/2-1/4) + 4/3*(1/2-1/2)) / (10/3) = (1/2) / (10/3) = 3/20
    #   GR var = (w1^2 (1/4*1/2... per arm p q / n) ...) / W^2
    #     stratum 1: 4 * ((1/2)(1/2)/4 + (1/4)(3/4)/4) = 4 * (1/16 + 3/64) = 7/16
    #     stratum 2: 16/9 * ((1/2)(1/2)/2 + (1/2)(1/2)/4) = 16/9 * 3/16 = 1/3
    #     var = (7/16 + 1/3) / (100/9) = (37/48) * 9/100 = 333/4800
    #   Sato: P1 = (16*1 - 16*2 + 16*0/2)/64 = -1/4, Q1 = (2*3 + 1*2)/16 = 1/2
    #         P2 = (4*2 - 16*1 + 8*2/2)/36 = 0, Q2 = (1*2 + 2*1)/12 = 1/3
    #         var = (3/20 * -1/4 + 1/2 + 1/3) / (100/9) = (191/240) * 9/100 = 573/8000
    rd = Fraction(3, 20)
    gr, sato = Fraction(333, 4800), Fraction(573, 8000)
    t, c = _arms([((2, 4), (1, 4)), ((1, 2), (2, 4))])
    eff, strata = binary_stratified(["one", "two"], t, c)
    assert eff.risk_difference == pytest.approx(float(rd), abs=1e-12)
    half = Z95 * float(gr) ** 0.5
    assert eff.risk_difference_ci == pytest.approx((float(rd) - half, float(rd) + half), abs=1e-12)
    half = Z95 * float(sato) ** 0.5
    assert eff.risk_difference_sato_ci == pytest.approx((float(rd) - half, float(rd) + half),
                                                        abs=1e-12)
    assert [s.mantel_haenszel_weight for s in strata] == pytest.approx([2, 4 / 3])


def test_one_stratum_is_the_unstratified_wald_difference_and_katz_ratio():
    t, c = _arms(TABLES[:1])
    eff, _ = binary_stratified(["only"], t, c)
    plain = binary_from(t[0], c[0])
    assert eff.risk_difference == pytest.approx(plain.risk_difference, abs=1e-12)
    assert eff.risk_difference_ci == pytest.approx(plain.risk_difference_wald_ci, abs=1e-12)
    assert eff.risk_ratio == pytest.approx(plain.risk_ratio, abs=1e-12)
    assert eff.risk_ratio_ci == pytest.approx(plain.risk_ratio_ci, abs=1e-12)


def test_a_stratum_lacking_an_arm_adds_nothing_and_no_arm_anywhere_is_inconclusive():
    t, c = _arms(TABLES)
    lone_t, _ = _arms([((5, 10), (0, 0))])
    with_lone, strata = binary_stratified(["a", "b", "c", "lone"], [*t, lone_t[0]],
                                          [*c, arm(np.zeros(0))])  # fmt: skip
    without, _ = binary_stratified(["a", "b", "c"], t, c)
    assert with_lone.risk_difference == pytest.approx(without.risk_difference, abs=1e-15)
    assert strata[-1].mantel_haenszel_weight == 0 and strata[-1].risk_difference is None
    none, _ = binary_stratified(["x"], lone_t, [arm(np.zeros(0))])
    assert none.risk_difference is None and none.verdict == "inconclusive"


def _survival(n=900, strata=3, seed=1, tied=True):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, strata, n)
    x = rng.random(n) < 0.5
    base = np.array([150.0, 300.0, 600.0, 250.0])[s]  # a baseline hazard per stratum
    t = rng.exponential(base * np.exp(0.4 * x))
    cens = rng.uniform(60, 500, n)
    time = np.minimum(t, cens)
    event = t <= cens
    if tied:
        time = np.ceil(time / 7).astype(np.int64)
    return time, event, x, s


def _tallies(time, event, x, s):
    return [tally(time[s == k], event[s == k], x[s == k]) for k in np.unique(s)]


def test_stratified_logrank_sums_the_strata_lifelines_computes_one_by_one():
    time, event, x, s = _survival()
    ours = logrank_strata(_tallies(time, event, x, s))
    o = e = v = 0.0
    for k in np.unique(s):
        m = s == k
        part = logrank_from(tally(time[m], event[m], x[m]))
        ref = logrank_test(time[m & x], time[m & ~x], event[m & x], event[m & ~x])
        stat_k = (part.observed_treated - part.expected_treated) ** 2
        v_k = stat_k / ref.test_statistic  # lifelines' statistic fixes the stratum's variance
        assert part.statistic == pytest.approx(ref.test_statistic, abs=1e-9)
        o, e, v = o + part.observed_treated, e + part.expected_treated, v + v_k
    assert ours.statistic == pytest.approx((o - e) ** 2 / v, rel=1e-9)


def test_stratified_logrank_equals_the_stratified_cox_score_test_without_ties():
    # With no tied times the log-rank test is the Cox model's score test at beta = 0, and the
    # stratified one is the stratified model's (statsmodels PHReg with strata).
    time, event, x, s = _survival(tied=False, seed=2)
    ours = logrank_strata(_tallies(time, event, x, s))
    model = PHReg(time, x[:, None].astype(float), status=event.astype(float), strata=s,
                  ties="breslow")  # fmt: skip
    u = model.score(np.zeros(1))[0]
    info = -model.hessian(np.zeros(1))[0, 0]
    assert ours.observed_treated - ours.expected_treated == pytest.approx(u, abs=1e-9)
    assert ours.statistic == pytest.approx(u * u / info, abs=TOL)


@pytest.mark.parametrize("tied", [True, False])
def test_stratified_cox_matches_lifelines_strata(tied):
    time, event, x, s = _survival(tied=tied, seed=3)
    ours = cox_strata(_tallies(time, event, x, s), robust=False)
    df = pd.DataFrame({"x": x.astype(float), "T": time, "E": event, "s": s})
    ref = CoxPHFitter(strata=["s"]).fit(df, "T", "E", **TIGHT)
    assert ours.coef[0] == pytest.approx(ref.params_.iloc[0], abs=TOL)
    assert ours.se[0] == pytest.approx(ref.standard_errors_.iloc[0], abs=TOL)
    assert ours.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-6)


def test_stratified_cox_robust_se_matches_lifelines_without_ties():
    time, event, x, s = _survival(tied=False, seed=4)
    ours = cox_strata(_tallies(time, event, x, s), robust=True)
    df = pd.DataFrame({"x": x.astype(float), "T": time, "E": event, "s": s})
    ref = CoxPHFitter(strata=["s"]).fit(df, "T", "E", robust=True, **TIGHT)
    assert ours.robust_se[0] == pytest.approx(ref.standard_errors_.iloc[0], abs=TOL)


def test_one_stratum_survival_equals_the_unstratified_estimators():
    time, event, x, _ = _survival(strata=1, seed=5)
    tl = tally(time, event, x)
    assert logrank_strata([tl]).to_dict() == logrank_from(tl).to_dict()
    one, plain = cox_strata([tl]), cox_from(tl)
    assert one.coef[0] == plain.coef[0] and one.robust_se[0] == plain.robust_se[0]


def _pooled(seed=1):
    data = generate(3000, effect=0.2, seed=seed, design="trial")
    cohort = data.cohort
    if not isinstance(cohort, pa.Table):
        cohort = pa.table(cohort)
    rng = np.random.default_rng(seed)
    forces = rng.choice(["Solent", "Downshire"], cohort.num_rows)
    return cohort, data.offences, forces


def test_evaluate_with_one_stratum_gives_todays_result_exactly():
    cohort, offences, _ = _pooled()
    plain = evaluate(cohort, offences, design="trial", bootstrap=50).to_dict()
    one = cohort.append_column("stratum", pa.array(["Solent"] * cohort.num_rows))
    assert evaluate(one, offences, design="trial", bootstrap=50).to_dict() == plain


def test_evaluate_with_forces_as_strata_reports_mantel_haenszel_and_the_forces():
    cohort, offences, forces = _pooled()
    pooled = cohort.append_column("stratum", pa.array(forces))
    result = evaluate(pooled, offences, design="trial", bootstrap=50).to_dict()
    sizes = result["data"]["strata"]
    assert set(sizes) == {"Solent", "Downshire"}
    assert sum(v["treated_rows"] + v["control_rows"] for v in sizes.values()) == (
        result["data"]["treated_rows"] + result["data"]["control_rows"])
    first = result["outcomes"][0]
    assert first["prevalence"]["method"] == "mantel_haenszel"
    assert {s["stratum"] for s in first["strata"]} == {"Solent", "Downshire"}
    assert sum(s["people_treated"] for s in first["strata"]) == first["treated"]["people"]
    assert first["verdict"] == first["prevalence"]["verdict"]
    assert "stratified" in result["definitions"]
    assert first["cox"]["names"] == ["treated"]


def test_missing_stratum_values_are_refused():
    from reoffending import InputError

    cohort, offences, forces = _pooled()
    forces = forces.astype(object)
    forces[3] = None
    with pytest.raises(InputError, match="stratum"):
        evaluate(cohort.append_column("stratum", pa.array(forces)), offences, design="trial")


def test_matched_design_with_strata_weights_each_stratums_arms():
    data = generate(3000, effect=0.2, seed=2, design="matched")
    cohort = data.cohort if isinstance(data.cohort, pa.Table) else pa.table(data.cohort)
    forces = np.random.default_rng(2).choice(["Solent", "Downshire"], cohort.num_rows)
    plain = evaluate(cohort, data.offences, design="matched", bootstrap=0).to_dict()
    pooled = evaluate(cohort.append_column("stratum", pa.array(forces)), data.offences,
                      design="matched", bootstrap=0).to_dict()
    first, plain_first = pooled["outcomes"][0], plain["outcomes"][0]
    assert first["prevalence"]["method"] == "mantel_haenszel"
    assert first["prevalence"]["risk_difference_sato_ci"] is None  # weighted: no Sato
    lo, hi = first["prevalence"]["risk_difference_ci"]
    assert lo < first["prevalence"]["risk_difference"] < hi
    # the same matched sample: the weighted sizes add up to the unstratified ones
    weight = sum(s["weight_treated"] + s["weight_control"] for s in first["strata"])
    assert weight == pytest.approx(plain_first["treated"]["weighted_people"]
                                   + plain_first["control"]["weighted_people"])
    # by force, the stratified difference stays close to the pooled one (no confounding here)
    assert abs(first["prevalence"]["risk_difference"]
               - plain_first["prevalence"]["risk_difference"]) < 0.03
