"""Nearest-neighbour matching on the propensity logit, balance and overlap.

Controls are sorted once by logit, equal logits by cohort row; each treated person's candidates
are found with searchsorted. Ties (docs/engine.md states the rule): at equal distance the
control below (lower logit) comes first; among equal logits, the one nearer in that order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import SettingError
from .results import Result

SMD_FLAG = 0.1
VR_FLAG = (0.5, 2.0)


@dataclass
class Matching(Result):
    """Who was matched to whom, and the weights that make the matched controls resemble the
    treated (ATT weights: each matched treated person 1, each control the sum over the treated
    it serves of 1 / that person's number of matches)."""

    caliper: float  # in logit units
    caliper_sd: float
    ratio: int
    replace: bool
    seed: int
    treated: int
    treated_matched: int
    treated_unmatched: int
    controls: int
    controls_used: int
    effective_controls: float  # (sum w)^2 / sum w^2
    weights: np.ndarray  # per cohort row (0 = not in the matched sample)
    pairs: np.ndarray  # (treated row, control row), one line per match

    _not_serialised = ("weights", "pairs")  # per-person data stays out of the JSON


def match(
    logit: np.ndarray,
    treated: np.ndarray,
    *,
    caliper_sd: float = 0.2,
    ratio: int = 1,
    replace: bool = True,
    seed: int = 0,
) -> Matching:
    """Nearest-neighbour matching within a caliper of `caliper_sd` pooled SDs of the logit."""
    logit = np.asarray(logit, dtype=np.float64)
    treated = np.asarray(treated, dtype=bool)
    t_rows = np.flatnonzero(treated)
    c_rows = np.flatnonzero(~treated)
    if ratio < 1:
        raise SettingError(f"ratio (controls per treated person) must be at least 1, not {ratio}")
    if not math.isfinite(caliper_sd) or caliper_sd <= 0:  # a negative caliper matches nobody
        raise SettingError(f"caliper (SDs of the logit) must be a positive number, not "
                           f"{caliper_sd!r}")  # fmt: skip
    sd = math.sqrt((_var(logit[t_rows]) + _var(logit[c_rows])) / 2)
    caliper = caliper_sd * sd
    rng = np.random.default_rng(seed)
    # Controls with equal logits keep a fixed order (by row), so the result is reproducible;
    # the seed sets the order in which treated people choose when matching without replacement.
    c_logit = logit[c_rows]
    order = np.argsort(c_logit, kind="stable")
    sorted_logit = c_logit[order]
    sorted_rows = c_rows[order]
    if len(t_rows) == 0 or len(c_rows) == 0:
        chosen = np.full((len(t_rows), ratio), -1, dtype=np.int64)
    elif replace:
        chosen = _with_replacement(logit[t_rows], sorted_logit, ratio, caliper)
    else:
        priority = rng.permutation(len(t_rows))
        chosen = _without_replacement(logit[t_rows], sorted_logit, ratio, caliper, priority)
    got = chosen >= 0
    per_t = got.sum(axis=1)
    t_idx = np.repeat(np.arange(len(t_rows)), per_t)
    c_pos = chosen[got]
    weights = np.zeros(len(logit))
    weights[t_rows[per_t > 0]] = 1.0
    weights += np.bincount(sorted_rows[c_pos], weights=1.0 / per_t[t_idx], minlength=len(logit))
    pairs = np.stack([t_rows[t_idx], sorted_rows[c_pos]], axis=1)
    wc = weights[c_rows]
    used = wc > 0
    ess = float(wc.sum() ** 2 / np.dot(wc, wc)) if used.any() else 0.0
    return Matching(
        caliper, caliper_sd, ratio, replace, seed, len(t_rows), int((per_t > 0).sum()),
        int((per_t == 0).sum()), len(c_rows), int(used.sum()), ess, weights, pairs,
    )  # fmt: skip


def _var(x: np.ndarray) -> float:
    return float(np.var(x, ddof=1)) if len(x) > 1 else 0.0


def _with_replacement(lt, sorted_logit, k, caliper):
    """The k nearest controls lie among the k on either side of the insertion point. Equal
    distances go to the control earlier in the sorted order."""
    nc = len(sorted_logit)
    t_order = np.argsort(lt)
    pos = np.empty(len(lt), dtype=np.int64)
    pos[t_order] = np.searchsorted(sorted_logit, lt[t_order])  # sorted needles: cache-friendly
    cand = pos[:, None] + np.arange(-k, k)[None, :]
    valid = (cand >= 0) & (cand < nc)
    cand = np.clip(cand, 0, nc - 1)
    dist = np.where(valid, np.abs(sorted_logit[cand] - lt[:, None]), np.inf)
    if k == 1:
        pick = (dist[:, 1] < dist[:, 0]).astype(np.int64)[:, None]
    else:
        pick = np.argsort(dist, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(cand, pick, axis=1)
    best_d = np.take_along_axis(dist, pick, axis=1)
    return np.where(best_d <= caliper, best, -1)


def _without_replacement(lt, sorted_logit, k, caliper, priority):
    """Greedy: treated people in a seeded random order each take their nearest still-free
    controls. Free neighbours are found with path-compressed 'next free' pointers."""
    nc = len(sorted_logit)
    right = list(range(nc + 1))  # right[i]: smallest free index >= i (nc = none)
    left = list(range(-1, nc))  # left[i + 1]: largest free index <= i (-1 = none)
    sl = sorted_logit.tolist()
    pos_all = np.searchsorted(sorted_logit, lt).tolist()
    lt_l = lt.tolist()
    chosen = np.full((len(lt), k), -1, dtype=np.int64)

    def find_right(i):
        root = i
        while right[root] != root:
            root = right[root]
        while right[i] != root:
            right[i], i = root, right[i]
        return root

    def find_left(i):  # on the shifted array: index i + 1 stands for control i
        root = i
        while left[root + 1] != root:
            root = left[root + 1]
        while left[i + 1] != root:
            left[i + 1], i = root, left[i + 1]
        return root

    for t in np.argsort(priority).tolist():
        x = lt_l[t]
        pos = pos_all[t]
        for j in range(k):
            r = find_right(pos) if pos < nc else nc
            lft = find_left(pos - 1) if pos > 0 else -1
            dr = sl[r] - x if r < nc else math.inf
            dl = x - sl[lft] if lft >= 0 else math.inf
            if dl <= dr:
                c, d = lft, dl
            else:
                c, d = r, dr
            if d > caliper:
                break
            chosen[t, j] = c
            right[c] = c + 1
            left[c + 1] = c - 1
    return chosen


@dataclass
class Balance(Result):
    """Standardised mean differences (pooled SD before matching as the denominator, so before
    and after are comparable) and variance ratios, with flags. Without matching (a trial's
    arms) there is no "after": those fields are None and nothing is flagged after."""

    names: list[str]
    mean_treated_before: np.ndarray
    mean_control_before: np.ndarray
    smd_before: np.ndarray
    variance_ratio_before: np.ndarray
    mean_treated_after: np.ndarray | None
    mean_control_after: np.ndarray | None
    smd_after: np.ndarray | None
    variance_ratio_after: np.ndarray | None
    flagged_before: list[str]
    flagged_after: list[str]
    smd_threshold: float = SMD_FLAG
    variance_ratio_range: tuple[float, float] = VR_FLAG


def _wmoments(X: np.ndarray, treated: np.ndarray, weights: np.ndarray, chunk: int = 16_384):
    """Weighted means and variances of X's columns for four sets of weights (treated, control,
    treated x weights, control x weights), in one pass over X by row blocks, each converted to
    float64 once into a reused buffer (X may be stored as small integers). The weights are
    built a block at a time too: no n x p or 4 x n temporaries."""
    k, p = 4, X.shape[1]
    s1, s2 = np.zeros((k, p)), np.zeros((k, p))
    m = min(chunk, X.shape[0])
    block = np.empty((m, p))
    square = np.empty_like(block)
    W = np.empty((k, m))
    for a in range(0, X.shape[0], chunk):
        b = block[: min(chunk, X.shape[0] - a)]
        b[:] = X[a : a + chunk]
        sq = square[: len(b)]
        np.multiply(b, b, out=sq)
        wb = W[:, : len(b)]
        tb, w = treated[a : a + chunk], weights[a : a + chunk]
        wb[0], wb[1] = tb, ~tb
        np.multiply(wb[0], w, out=wb[2])
        np.multiply(wb[1], w, out=wb[3])
        s1 += wb @ b
        s2 += wb @ sq
    tw, cw = treated * weights, ~treated * weights  # summed whole, as 4 x n rows were
    total = np.array([treated.sum(), (~treated).sum(), tw.sum(), cw.sum()], dtype=np.float64)
    total = total[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / total
        # unbiased with frequency-style weights, as the usual unweighted formula when w = 1
        var = np.maximum(s2 / total - mean**2, 0) * total / (total - 1)
    return mean, var


def balance(X: np.ndarray, names: list[str], treated: np.ndarray,
            weights: np.ndarray | None) -> Balance:  # fmt: skip
    """Balance of X's columns between treated and control rows, before and (with `weights`,
    the matching's) after; `weights=None`: before only."""
    treated = np.asarray(treated, dtype=bool)
    w = np.ones(len(treated)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean, var = _wmoments(X, treated, w)
    (mt0, mc0, mt1, mc1), (vt0, vc0, vt1, vc1) = mean, var
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.sqrt((vt0 + vc0) / 2)
        smd0 = (mt0 - mc0) / pooled
        smd1 = (mt1 - mc1) / pooled
        vr0 = vt0 / vc0
        vr1 = vt1 / vc1

    def flagged(smd, vr):
        bad = (np.abs(smd) > SMD_FLAG) | (vr < VR_FLAG[0]) | (vr > VR_FLAG[1])
        return [n for n, b in zip(names, bad, strict=True) if b]

    if weights is None:
        return Balance(names, mt0, mc0, smd0, vr0, None, None, None, None, flagged(smd0, vr0), [])
    return Balance(
        names, mt0, mc0, smd0, vr0, mt1, mc1, smd1, vr1, flagged(smd0, vr0), flagged(smd1, vr1)
    )


@dataclass
class Overlap(Result):
    """Propensity-score ranges and counts by tenth of the score, per group."""

    treated_min: float
    treated_max: float
    control_min: float
    control_max: float
    treated_outside_control_range: int
    bins: list[float]
    treated_per_bin: list[int]
    control_per_bin: list[int]


def overlap(score: np.ndarray, treated: np.ndarray) -> Overlap:
    treated = np.asarray(treated, dtype=bool)
    st, sc = score[treated], score[~treated]
    edges = np.linspace(0, 1, 11)
    bt = np.bincount(np.minimum((st * 10).astype(int), 9), minlength=10)
    bc = np.bincount(np.minimum((sc * 10).astype(int), 9), minlength=10)
    lo, hi = (float(sc.min()), float(sc.max())) if len(sc) else (math.nan, math.nan)
    outside = int(((st < lo) | (st > hi)).sum()) if len(sc) else len(st)
    return Overlap(
        float(st.min()) if len(st) else math.nan, float(st.max()) if len(st) else math.nan,
        lo, hi, outside, edges.tolist(), bt.tolist(), bc.tolist(),
    )  # fmt: skip
