"""Group comparisons: risk difference / ratio, rate ratio, mean harm difference, verdicts.

All estimators take optional weights (matching weights for the matched design); standard errors
are the sandwich (robust) form, which reduces to the textbook Wald formulas with unit weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .results import Result

Z95 = 1.959963984540054
REDUCTION, INCREASE, INCONCLUSIVE = "significant reduction", "significant increase", "inconclusive"


def normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def verdict(low: float | None, high: float | None) -> str:
    """Wording for a CI of a treated-minus-control difference (or log ratio)."""
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return INCONCLUSIVE
    if high < 0:
        return REDUCTION
    if low > 0:
        return INCREASE
    return INCONCLUSIVE


def _w(y: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    return np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)


@dataclass(frozen=True)
class Arm:
    """What the mean-type estimators need from one arm: its rows, summed weights, weighted
    total, weighted mean, the mean's sandwich SE (sqrt(sum w^2 (y - mean)^2) / sum w) and the
    effective sample size (Kish: (sum w)^2 / sum w^2; the row count with unit weights)."""

    rows: int
    weight: float
    total: float
    mean: float
    se: float
    n_eff: float = math.nan


def arm(y: np.ndarray, w: np.ndarray | None = None) -> Arm:
    y = np.asarray(y, dtype=np.float64)
    w = _w(y, w)
    weight = float(w.sum())
    total = float(np.dot(w, y))
    if weight <= 0:
        return Arm(len(y), weight, total, math.nan, math.nan, 0.0)
    mean = total / weight
    resid = y - mean
    resid *= resid
    ww = w * w
    return Arm(len(y), weight, total, mean, math.sqrt(float(np.dot(ww, resid))) / weight,
               weight * weight / float(ww.sum()))  # fmt: skip


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion p observed on (effective) sample size n."""
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(p_t: float, n_t: float, p_c: float, n_c: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for p_t - p_c, from each arm's Wilson
    interval; good coverage at small samples and at 0% or 100%, unlike the Wald interval."""
    l_t, u_t = wilson(p_t, n_t)
    l_c, u_c = wilson(p_c, n_c)
    rd = p_t - p_c
    return (rd - math.hypot(p_t - l_t, u_c - p_c), rd + math.hypot(u_t - p_t, p_c - l_c))


@dataclass
class BinaryEffect(Result):
    """Prevalence in each group, risk difference, risk ratio and relative reduction."""

    n_treated: float
    n_control: float
    events_treated: float
    events_control: float
    risk_treated: float | None
    risk_control: float | None
    risk_difference: float | None
    risk_difference_ci: tuple[float, float] | None
    risk_ratio: float | None
    risk_ratio_ci: tuple[float, float] | None
    relative_reduction: float | None
    relative_reduction_ci: tuple[float, float] | None
    p_value: float | None
    continuity_correction: bool
    verdict: str
    note: str = ""
    risk_difference_wald_ci: tuple[float, float] | None = None  # for reference, not the verdict
    # "unstratified" (Newcombe CI), or "mantel_haenszel" over strata (Greenland-Robins CI, the
    # Wald CI too; Sato's beside it for reference)
    method: str = "unstratified"
    risk_difference_sato_ci: tuple[float, float] | None = None


def binary_effect(
    y_t: np.ndarray, y_c: np.ndarray, w_t: np.ndarray | None = None, w_c: np.ndarray | None = None
) -> BinaryEffect:
    """Risk difference (Newcombe hybrid score CI, which gives the verdict; the Wald CI is kept
    alongside) and risk ratio (Katz log CI). The point estimates are exact whenever defined;
    0.5 is added to every cell (and flagged) only where a zero cell leaves something undefined:
    no events among the treated (the ratio is 0, its log CI is not) or among the controls (the
    ratio itself is undefined, so the corrected ratio is reported)."""
    return binary_from(arm(y_t, w_t), arm(y_c, w_c))


def binary_from(t: Arm, c: Arm) -> BinaryEffect:
    """`binary_effect` from each arm's summary (y is 0/1). Weighted (matched design), the Wald
    SE is the sandwich form and the Wilson intervals use each arm's effective sample size."""
    n_t, n_c, e_t, e_c = t.weight, c.weight, t.total, c.total
    if t.rows < 2 or c.rows < 2:
        pt = e_t / n_t if n_t else None
        pc = e_c / n_c if n_c else None
        return BinaryEffect(
            n_t, n_c, e_t, e_c, pt, pc, None, None, None, None, None, None, None, False,
            INCONCLUSIVE, "an arm has fewer than 2 people: no effect estimated",
        )  # fmt: skip
    p_t, se_t, p_c, se_c = t.mean, t.se, c.mean, c.se
    rd = p_t - p_c
    se = math.hypot(se_t, se_c)
    wald_ci = (rd - Z95 * se, rd + Z95 * se)
    rd_ci = newcombe(p_t, t.n_eff, p_c, c.n_eff)
    p_value = normal_p(rd / se) if se > 0 else None
    corrected = False
    rr = rr_ci = rr_red = rr_red_ci = None
    note = ""
    if e_t == 0 and e_c == 0:
        note = "no events in either arm: risk ratio undefined"
    else:
        everyone = e_t == n_t and e_c == n_c  # both non-event cells 0: a zero-width CI
        if e_t == 0 or e_c == 0 or everyone:  # a zero cell: the log ratio or its SE fails
            corrected = True
            a, b = e_t + 0.5, e_c + 0.5
            m, k = n_t + 1.0, n_c + 1.0
            log_rr = math.log((a / m) / (b / k))
            se_log = math.sqrt(1 / a - 1 / m + 1 / b - 1 / k)
            if everyone:
                note = ("everyone reoffended in both arms: the risk ratio is exactly 1; 0.5 is "
                        "added to each cell for its CI only")  # fmt: skip
            elif e_c == 0:
                note = ("no events among the controls: the risk ratio is undefined, so 0.5 is "
                        "added to each cell for the ratio and its CI")  # fmt: skip
            else:
                note = ("no events among the treated: the risk ratio is exactly 0; 0.5 is "
                        "added to each cell for its CI only")  # fmt: skip
        else:
            log_rr = math.log(p_t / p_c)
            se_log = math.sqrt((se_t / p_t) ** 2 + (se_c / p_c) ** 2)
        rr = 0.0 if e_t == 0 else 1.0 if everyone else math.exp(log_rr)
        rr_ci = (math.exp(log_rr - Z95 * se_log), math.exp(log_rr + Z95 * se_log))
        if e_t == 0:
            rr_ci = (0.0, rr_ci[1])
        rr_red = 1 - rr
        rr_red_ci = (1 - rr_ci[1], 1 - rr_ci[0])
    return BinaryEffect(
        n_t, n_c, e_t, e_c, p_t, p_c, rd, rd_ci, rr, rr_ci, rr_red, rr_red_ci, p_value,
        corrected, verdict(*rd_ci), note, wald_ci,
    )  # fmt: skip


@dataclass
class RateEffect(Result):
    """Offences per 100 people in each group and the rate ratio (Poisson, robust SE)."""

    offences_treated: float
    offences_control: float
    per_100_treated: float | None
    per_100_control: float | None
    rate_ratio: float | None
    rate_ratio_ci: tuple[float, float] | None
    p_value: float | None
    verdict: str
    note: str = ""


def rate_effect(
    y_t: np.ndarray, y_c: np.ndarray, w_t: np.ndarray | None = None, w_c: np.ndarray | None = None
) -> RateEffect:
    """Rate ratio from a Poisson model with a group indicator, with the sandwich (HC0) SE, which
    stays honest when counts are overdispersed."""
    return rate_from(arm(y_t, w_t), arm(y_c, w_c))


def rate_from(t: Arm, c: Arm) -> RateEffect:
    """`rate_effect` from each arm's summary (y is a count)."""
    o_t, o_c = t.total, c.total
    if t.rows < 2 or c.rows < 2:
        return RateEffect(o_t, o_c, None, None, None, None, None, INCONCLUSIVE,
                          "an arm has fewer than 2 people")  # fmt: skip
    m_t, se_t, m_c, se_c = t.mean, t.se, c.mean, c.se
    if o_t == 0 or o_c == 0:
        return RateEffect(o_t, o_c, 100 * m_t, 100 * m_c, None, None, None, INCONCLUSIVE,
                          "no offences in an arm: rate ratio undefined")  # fmt: skip
    log_rr = math.log(m_t / m_c)
    se = math.sqrt((se_t / m_t) ** 2 + (se_c / m_c) ** 2)
    lo, hi = log_rr - Z95 * se, log_rr + Z95 * se
    return RateEffect(
        o_t, o_c, 100 * m_t, 100 * m_c, math.exp(log_rr), (math.exp(lo), math.exp(hi)),
        normal_p(log_rr / se) if se > 0 else None, verdict(lo, hi),
    )  # fmt: skip


@dataclass
class MeanDifference(Result):
    """Mean harm (days) per person in each group and their difference, with a percentile
    bootstrap CI (resampling people within each group) and the normal-theory CI alongside."""

    mean_treated: float | None
    mean_control: float | None
    total_treated: float
    total_control: float
    difference: float | None
    bootstrap_ci: tuple[float, float] | None
    normal_ci: tuple[float, float] | None
    bootstrap_resamples: int
    seed: int
    verdict: str
    note: str = ""


def _boot_means(
    y: np.ndarray, w: np.ndarray | None, b: int, rng: np.random.Generator
) -> np.ndarray:
    """B bootstrap means, exact: resampling n rows with replacement is a multinomial draw over
    the distinct (value, weight) pairs, so cost scales with distinct values, not people."""
    n = len(y)
    zero = y == 0  # most people have no harm: only the others need sorting
    if w is None or np.all(w == w[0]):
        vy, counts = np.unique(y[~zero], return_counts=True)
        vy, counts = np.append(vy, 0.0), np.append(counts, int(zero.sum()))
        vw = np.full(len(vy), 1.0 if w is None else float(w[0]))
    else:
        # distinct (value, weight) pairs in (value, weight) order: complex numbers sort that
        # way, so one sort finds them
        pairs, counts = np.unique(y + 1j * np.asarray(w, dtype=np.float64), return_counts=True)
        vy, vw = pairs.real, pairs.imag
    draws = rng.multinomial(n, counts / n, size=b).astype(np.float64)
    return (draws @ (vy * vw)) / (draws @ vw)


def mean_difference(
    y_t: np.ndarray,
    y_c: np.ndarray,
    w_t: np.ndarray | None = None,
    w_c: np.ndarray | None = None,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> MeanDifference:
    y_t = np.asarray(y_t, dtype=np.float64)
    y_c = np.asarray(y_c, dtype=np.float64)
    t, c = arm(y_t, w_t), arm(y_c, w_c)
    tot_t, tot_c = t.total, c.total
    if t.rows < 2 or c.rows < 2:
        return MeanDifference(
            tot_t / t.weight if t.rows else None, tot_c / c.weight if c.rows else None,
            tot_t, tot_c, None, None, None, resamples, seed, INCONCLUSIVE,
            "an arm has fewer than 2 people",
        )  # fmt: skip
    m_t, se_t, m_c, se_c = t.mean, t.se, c.mean, c.se
    diff = m_t - m_c
    se = math.hypot(se_t, se_c)
    normal = (diff - Z95 * se, diff + Z95 * se)
    if resamples == 0:  # no bootstrap asked for: the normal-theory interval gives the verdict
        return MeanDifference(
            m_t, m_c, tot_t, tot_c, diff, None, normal, 0, seed,
            verdict(*normal) if se > 0 else verdict(diff, diff),
            "no bootstrap (0 resamples): verdict from the normal-theory interval",
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    boot = _boot_means(y_t, w_t, resamples, rng) - _boot_means(y_c, w_c, resamples, rng)
    lo, hi = (float(v) for v in np.quantile(boot, [0.025, 0.975]))
    return MeanDifference(
        m_t, m_c, tot_t, tot_c, diff, (lo, hi), normal,
        resamples, seed, verdict(lo, hi) if hi > lo else verdict(diff, diff),
    )  # fmt: skip


@dataclass
class StratumArms(Result):
    """One stratum (in a pooled run, one force) of a stratified comparison: each arm's people
    (analysed rows), summed weights and events, and the stratum's own risk difference."""

    stratum: str
    people_treated: int
    people_control: int
    weight_treated: float
    weight_control: float
    events_treated: float
    events_control: float
    risk_difference: float | None
    mantel_haenszel_weight: float  # n_t n_c / (n_t + n_c): 0 when an arm is empty


def binary_stratified(
    labels: list[str], treated: list[Arm], control: list[Arm], weighted: bool = False
) -> tuple[BinaryEffect, list[StratumArms]]:
    """Mantel-Haenszel (stratified) risk difference and risk ratio over strata, from each
    stratum's arm summaries (y is 0/1).

    RD_MH = sum_k w_k (p_tk - p_ck) / sum_k w_k with w_k = n_tk n_ck / N_k, and RR_MH =
    sum_k w_k p_tk / sum_k w_k p_ck. The RD's variance is Greenland and Robins' (1985),
    sum_k w_k^2 (p_tk q_tk / n_tk + p_ck q_ck / n_ck) / (sum w_k)^2, written with each arm's
    sandwich variance so that it also holds with matching weights; log RR_MH's is the delta
    method with the same variances. Both reduce to the unstratified Wald forms with one
    stratum. Without weights, Sato's (1989) variance of RD_MH, consistent also for many small
    strata, is reported beside it (`risk_difference_wald_ci` holds its interval). A stratum
    lacking an arm has weight 0 and adds nothing. The effect's risks are the crude pooled
    proportions; its difference and ratio are the stratified ones."""
    strata: list[StratumArms] = []
    W = R = S = var_r = var_s = 0.0
    sato_p = sato_q = 0.0
    n_t = n_c = e_t = e_c = 0.0
    rows_t = rows_c = 0
    for label, t, c in zip(labels, treated, control, strict=True):
        n_t += t.weight
        n_c += c.weight
        e_t += t.total
        e_c += c.total
        rows_t += t.rows
        rows_c += c.rows
        both = t.weight > 0 and c.weight > 0
        w = t.weight * c.weight / (t.weight + c.weight) if both else 0.0
        strata.append(StratumArms(label, t.rows, c.rows, t.weight, c.weight, t.total, c.total,
                                  t.mean - c.mean if both else None, w))  # fmt: skip
        if not both:
            continue
        W += w
        R += w * t.mean
        S += w * c.mean
        var_r += w * w * t.se * t.se
        var_s += w * w * c.se * c.se
        if not weighted:  # Sato's P_k and Q_k on the counts
            a, cc = t.total, c.total
            n1, n0, N = t.weight, c.weight, t.weight + c.weight
            sato_p += (n1 * n1 * cc - n0 * n0 * a + n1 * n0 * (n0 - n1) / 2) / (N * N)
            sato_q += (a * (n0 - cc) + cc * (n1 - a)) / (2 * N)
    var_rd = var_r + var_s
    pt = e_t / n_t if n_t else None
    pc = e_c / n_c if n_c else None
    usable = sum(1 for s in strata if s.mantel_haenszel_weight > 0)
    if W <= 0 or rows_t < 2 or rows_c < 2:
        return BinaryEffect(
            n_t, n_c, e_t, e_c, pt, pc, None, None, None, None, None, None, None, False,
            INCONCLUSIVE, "no stratum has people in both arms: no stratified effect estimated",
        ), strata  # fmt: skip
    rd = (R - S) / W
    se = math.sqrt(var_rd) / W
    ci = (rd - Z95 * se, rd + Z95 * se)
    sato_ci = None
    if not weighted:
        sato_se = math.sqrt(max(rd * sato_p + sato_q, 0.0)) / W
        sato_ci = (rd - Z95 * sato_se, rd + Z95 * sato_se)
    rr = rr_ci = red = red_ci = None
    note = (f"Mantel-Haenszel risk difference over {usable} strata (Greenland-Robins "
            f"variance); risks shown are the crude pooled proportions")  # fmt: skip
    if R > 0 and S > 0:
        rr = R / S
        se_log = math.sqrt(var_r / (R * R) + var_s / (S * S))
        if se_log > 0:
            rr_ci = (rr * math.exp(-Z95 * se_log), rr * math.exp(Z95 * se_log))
            red_ci = (1 - rr_ci[1], 1 - rr_ci[0])
        red = 1 - rr
    else:
        note += "; no events in an arm of every stratum: risk ratio undefined"
    return BinaryEffect(
        n_t, n_c, e_t, e_c, pt, pc, rd, ci, rr, rr_ci, red, red_ci,
        normal_p(rd / se) if se > 0 else None, False, verdict(*ci), note, ci,
        "mantel_haenszel", sato_ci,
    ), strata  # fmt: skip
