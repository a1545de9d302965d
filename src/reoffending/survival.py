"""Time to first reoffence: Kaplan-Meier, log-rank and Cox proportional hazards.

Everything is aggregated over distinct times (integer days in practice), so the cost is a few
passes over the rows plus work proportional to the number of distinct times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .blas import blas_threads
from .effects import Z95, normal_p, verdict
from .errors import EstimationError
from .results import Result


def time_groups(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct times (ascending) and each row's index into them. Integer days in a modest range
    skip the sort entirely."""
    t = np.asarray(t)
    if len(t) and np.issubdtype(t.dtype, np.integer):
        lo, hi = int(t.min()), int(t.max())
        if hi - lo <= 4 * len(t) + 4096:
            present = np.bincount(t - lo, minlength=hi - lo + 1) > 0
            rank = np.cumsum(present) - 1
            return np.flatnonzero(present) + lo, rank[t - lo]
    uniq, inv = np.unique(t, return_inverse=True)
    return uniq, inv.ravel()


@dataclass
class Tally:
    """People leaving the risk set at each distinct time, by group (0 control, 1 treated) and
    by whether they left with an event: counts, summed weights and summed squared weights, each
    of shape (times, 2, 2). Kaplan-Meier, log-rank and Cox with a treatment indicator depend on
    the rows only through these sums, so one pass over the rows serves all three."""

    times: np.ndarray
    count: np.ndarray
    w: np.ndarray
    w2: np.ndarray


def tally(
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> Tally:
    """One pass over the rows (`group` true = treated; absent = everyone in group 0)."""
    t = np.asarray(time)
    event = np.asarray(event, dtype=bool)
    small = len(t) > 0 and np.issubdtype(t.dtype, np.integer)
    if small:
        lo = int(t.min())
        span = int(t.max()) - lo + 1
        small = span <= 4 * len(t) + 4096  # integer days in a modest range: no sort
    if small:
        key = (t - lo).astype(np.int64) * 4
    else:
        uniq, g = np.unique(t, return_inverse=True)
        key = g.ravel().astype(np.int64) * 4
        span = len(uniq)
    key += event
    if group is not None:
        key += 2 * np.asarray(group, dtype=np.int64)
    count: np.ndarray = np.bincount(key, minlength=4 * span)
    w: np.ndarray
    w2: np.ndarray
    if weights is None:
        w = w2 = count.astype(np.float64)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        w = np.bincount(key, weights=weights, minlength=4 * span)
        w2 = np.bincount(key, weights=weights * weights, minlength=4 * span)
    count, w, w2 = (a.reshape(-1, 2, 2) for a in (count, w, w2))
    if small:  # keep only the days someone left on
        present = np.flatnonzero(count.any(axis=(1, 2)))
        uniq = present + lo
        count, w, w2 = count[present], w[present], w2[present]
    return Tally(uniq, count, w, w2)


def _chi2_1_sf(x: float) -> float:
    return math.erfc(math.sqrt(max(x, 0.0) / 2.0))


@dataclass
class KaplanMeier(Result):
    """Survival (no reoffence) curve for one group, with log(-log) 95% CIs (Greenwood)."""

    label: str
    n: float
    events: float
    times: np.ndarray
    at_risk: np.ndarray
    observed: np.ndarray
    survival: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    median: float | None

    def at(self, time: float) -> float:
        i = np.searchsorted(self.times, time, side="right") - 1
        return 1.0 if i < 0 else float(self.survival[i])


def kaplan_meier(
    time: np.ndarray, event: np.ndarray, weights: np.ndarray | None = None, label: str = ""
) -> KaplanMeier:
    return kaplan_meier_from(tally(time, event, None, weights), 0, label)


def kaplan_meier_from(t: Tally, group: int = 0, label: str = "") -> KaplanMeier:
    """The curve of one group of a tally."""
    rows = t.count[:, group].any(axis=1)
    if not rows.any():
        empty = np.zeros(0)
        return KaplanMeier(label, 0.0, 0.0, empty, empty, empty, empty, empty, empty, None)
    uniq = t.times[rows]
    leaving = t.w[rows, group].sum(axis=1)
    deaths = t.w[rows, group, 1]
    at_risk = np.cumsum(leaving[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, deaths / at_risk, 0.0)
        surv = np.cumprod(1.0 - hazard)
        green = np.cumsum(
            np.where(at_risk - deaths > 0, deaths / (at_risk * (at_risk - deaths)), 0.0)
        )
        log_s = np.log(surv)
        spread = Z95 * np.sqrt(green) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    undefined = (surv <= 0) | (surv >= 1)
    lower = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, lower))
    upper = np.where(undefined, np.where(surv >= 1, 1.0, 0.0), upper)
    below = np.flatnonzero(surv <= 0.5)
    median = float(uniq[below[0]]) if len(below) else None
    return KaplanMeier(
        label, float(leaving.sum()), float(deaths.sum()), uniq, at_risk, deaths, surv, lower,
        upper, median,
    )  # fmt: skip


@dataclass
class Curve(Result):
    """One group's survival (no reoffence) curve as a report draws it, with its numbers at
    risk. Cumulative reoffending is 1 - survival."""

    label: str
    people: int  # rows in the group's analysis sample
    points: list[list[float]]  # [day, survival]: [0, 1.0], then each day survival changes
    at_risk: list[int]  # people with time to first >= each of the time points' days
    weighted_at_risk: list[float] | None  # the same, summed weights (weighted curves only)


@dataclass
class SurvivalCurves(Result):
    """Both groups' curves for one outcome; numbers at risk at `days` (0, then every
    `at_risk_every` days to the window end)."""

    days: list[int]
    weighted: bool
    treated: Curve
    control: Curve


def curve_from(t: Tally, group: int, label: str, days: np.ndarray, weighted: bool) -> Curve:
    """The curve of one group of a tally, and who is still at risk on each of `days`: those
    whose time (event or censoring) is on or after the day."""
    km = kaplan_meier_from(t, group, label)
    changes = km.observed > 0
    points = [[0, 1.0]] + [[int(d), float(s)] for d, s in
                           zip(km.times[changes], km.survival[changes], strict=True)]
    leaving = t.count[:, group].sum(axis=1)
    # people at risk from each distinct time on (a trailing 0 for days after the last time)
    from_here = np.append(np.cumsum(leaving[::-1])[::-1], 0)
    where = np.searchsorted(t.times, days, side="left")
    weighted_at_risk = None
    if weighted:
        w_from_here = np.append(np.cumsum(t.w[:, group].sum(axis=1)[::-1])[::-1], 0.0)
        weighted_at_risk = [float(v) for v in w_from_here[where]]
    return Curve(label, int(leaving.sum()), points, [int(v) for v in from_here[where]],
                 weighted_at_risk)


def curves_from(t: Tally, labels: tuple[str, str], window: int, every: int,
                weighted: bool) -> SurvivalCurves:  # fmt: skip
    """Treated (group 1) and control (group 0) curves of a tally, numbers at risk every
    `every` days from 0 to the window."""
    days = np.arange(0, window + 1, every)
    return SurvivalCurves(
        [int(d) for d in days], weighted, curve_from(t, 1, labels[0], days, weighted),
        curve_from(t, 0, labels[1], days, weighted),
    )  # fmt: skip


@dataclass
class LogRank(Result):
    statistic: float | None
    p_value: float | None
    observed_treated: float
    expected_treated: float


def logrank(
    time: np.ndarray,
    event: np.ndarray,
    treated: np.ndarray,
    weights: np.ndarray | None = None,
) -> LogRank:
    """Two-group log-rank test (Mantel-Haenszel variance with the ties correction)."""
    return logrank_from(tally(time, event, treated, weights))


def logrank_from(t: Tally) -> LogRank:
    if not (t.count[:, 0].any() and t.count[:, 1].any()):
        return LogRank(None, None, float(t.w[:, 1, 1].sum()), math.nan)
    o, e, v = _logrank_parts(t)
    if v <= 0:
        return LogRank(None, None, o, e)
    stat = (o - e) ** 2 / v
    return LogRank(stat, _chi2_1_sf(stat), o, e)


def logrank_strata(tallies: list[Tally]) -> LogRank:
    """Stratified log-rank test: each stratum's observed minus expected treated events and its
    variance, summed over the strata, then (sum O - sum E)^2 / sum V on 1 degree of freedom.
    A stratum with one group only adds nothing. With one stratum it is `logrank_from`."""
    o = e = v = 0.0
    both = False
    for t in tallies:
        if t.count[:, 0].any() and t.count[:, 1].any():
            ok, ek, vk = _logrank_parts(t)
            o, e, v, both = o + ok, e + ek, v + vk, True
        else:
            o += float(t.w[:, 1, 1].sum())
    if not both:
        return LogRank(None, None, o, math.nan)
    if v <= 0:
        return LogRank(None, None, o, e)
    stat = (o - e) ** 2 / v
    return LogRank(stat, _chi2_1_sf(stat), o, e)


def _logrank_parts(t: Tally) -> tuple[float, float, float]:
    """Observed and expected treated events and the variance (Mantel-Haenszel, with ties)."""
    n_all = np.cumsum(t.w.sum(axis=(1, 2))[::-1])[::-1]
    n_t = np.cumsum(t.w[:, 1].sum(axis=1)[::-1])[::-1]
    d_all = t.w[:, :, 1].sum(axis=1)
    d_t = t.w[:, 1, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = d_all * n_t / n_all
        ratio = np.where(n_all > 1, (n_all - d_all) / (n_all - 1), 0.0)
        var = np.where(n_all > 0, d_all * (n_t / n_all) * (1 - n_t / n_all) * ratio, 0.0)
    return float(d_t.sum()), float(np.nansum(expected)), float(np.nansum(var))


@dataclass
class CoxResult(Result):
    """Cox proportional hazards, Efron ties. `se` is model-based; `robust_se` the sandwich."""

    names: list[str]
    coef: np.ndarray
    se: np.ndarray
    robust_se: np.ndarray | None
    hazard_ratio: np.ndarray
    hazard_ratio_ci: np.ndarray  # from the robust SE when computed, else the model SE
    p_value: np.ndarray
    log_likelihood: float
    iterations: int
    n: float
    events: float
    verdict: str  # for the first coefficient (the treatment indicator)


class _CoxData:
    """Sort-free aggregates reused by every Newton step.

    Rows are "cells": people with the same time, covariates and event status, carrying their
    number (`count`), summed weights (`w`) and summed squared weights (`w2`). With a single
    binary covariate (the usual treatment indicator) a million people become a few hundred
    cells; otherwise each person is a cell of one. The partial likelihood, its derivatives and
    the sandwich all depend on the rows only through these sums."""

    def __init__(self, time, event, X, w, count=None, w2=None):
        uniq, g = time_groups(time)
        # Rows sorted by time once (a radix sort on small ints): every per-time sum is then a
        # segment sum (np.add.reduceat) instead of a bincount per column.
        small = g.astype(np.int16) if len(uniq) < 2**15 else g
        self.order = np.argsort(small, kind="stable")
        o = self.order
        X, w, event, g = X[o], w[o], np.asarray(event)[o], g[o]
        self.X = X
        self.w = w
        self.w2 = w * w if w2 is None else w2[o]
        count = np.ones(len(w)) if count is None else count[o]
        self.uniq, self.g = uniq, g
        self.m = len(self.uniq)
        self.seg = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else g
        self.dead = np.flatnonzero(event)
        self.gd = self.g[self.dead]
        self.dead_seg = np.flatnonzero(np.r_[True, self.gd[1:] != self.gd[:-1]])
        self.wd = w[self.dead]
        self.Xd = X[self.dead]
        self.dcount = np.bincount(self.gd, weights=count[self.dead], minlength=self.m)
        self.wsum = np.bincount(self.gd, weights=self.wd, minlength=self.m)
        self.J = np.flatnonzero(self.dcount > 0)
        self._buf = np.empty_like(X)  # n x p, reused by every evaluation
        # Efron: the l-th of d tied deaths (l = 0..d-1) sees the risk set less l/d of the dying.
        # One entry per death, grouped by time: segment sums are np.add.reduceat over `starts`.
        self.dj = np.rint(self.dcount[self.J]).astype(np.int64)
        self.starts = np.cumsum(self.dj) - self.dj
        pos = np.arange(int(self.dj.sum()))
        self.frac = (pos - np.repeat(self.starts, self.dj)) / np.repeat(self.dj, self.dj)
        self.frac2 = self.frac * self.frac
        self.wavg = self.wsum[self.J] / self.dcount[self.J]
        self.xw_dead = self.wd @ self.Xd

    def _weighted_sums(self, X, r, seg):
        """sum of r_i X_i over each segment of rows (rows sorted by time; `seg` the starts).
        Long segments (many people per day): one matrix-vector product each; otherwise one
        n x p product and a segment sum."""
        if len(r) >= 64 * len(seg):
            bounds = [*seg.tolist(), len(r)]
            out = np.empty((len(seg), X.shape[1]))
            for k in range(len(seg)):
                a, b = bounds[k], bounds[k + 1]
                np.dot(r[a:b], X[a:b], out=out[k])
            return out
        xr = self._buf[: len(r)]
        np.multiply(X, r[:, None], out=xr)
        return np.add.reduceat(xr, seg, axis=0)

    def evaluate(self, beta, want_hessian=True):
        X, w = self.X, self.w
        eta = X @ beta
        shift = float(eta.max()) if len(eta) else 0.0
        phi = np.exp(eta - shift)
        r = w * phi
        m, J = self.m, self.J
        S0 = np.cumsum(np.add.reduceat(r, self.seg)[::-1])[::-1][J]
        S1 = np.cumsum(self._weighted_sums(X, r, self.seg)[::-1], axis=0)[::-1][J]
        rd = r[self.dead]
        D0 = np.add.reduceat(rd, self.dead_seg)
        D1 = self._weighted_sums(self.Xd, rd, self.dead_seg)
        den = np.repeat(S0, self.dj)
        den -= self.frac * np.repeat(D0, self.dj)
        if np.any(den <= 0):
            raise EstimationError("Cox model: empty risk set (check times and events)")
        seg = self.starts
        inv = 1.0 / den
        a = np.add.reduceat(inv, seg)
        b = np.add.reduceat(self.frac * inv, seg)
        logsum = np.add.reduceat(np.log(den), seg)
        wavg = self.wavg
        loglik = float(self.wd @ eta[self.dead] - wavg @ logsum - shift * self.wsum.sum())
        grad = self.xw_dead - (wavg * a) @ S1 + (wavg * b) @ D1
        if not want_hessian:
            return loglik, grad, None, (phi, S0, S1)
        inv *= inv
        c0 = np.add.reduceat(inv, seg) * wavg
        c1 = np.add.reduceat(self.frac * inv, seg) * wavg
        c2 = np.add.reduceat(self.frac2 * inv, seg) * wavg
        # sum_j wavg_j a_j S2_j = X' diag(r_i * cumulative(wavg a) at t_i) X: one pass.
        acum_full = np.zeros(m)
        acum_full[J] = wavg * a
        acum = np.cumsum(acum_full)
        bfull = np.zeros(m)
        bfull[J] = wavg * b
        v = r * acum[self.g]
        v[self.dead] -= rd * bfull[self.gd]
        xv = self._buf
        np.multiply(X, v[:, None], out=xv)
        info = X.T @ xv
        cross = S1.T @ (D1 * c1[:, None])
        info -= S1.T @ (S1 * c0[:, None]) - cross - cross.T + D1.T @ (D1 * c2[:, None])
        return loglik, grad, info, (phi, S0, S1)

    def score_residuals(self, phi, S0, S1, start=0, stop=None):
        """Score residuals of rows start..stop (Breslow increments at each event time, as
        statsmodels), per person in the cell, before weighting."""
        m, J = self.m, self.J
        dlam = np.zeros(m)
        dlam[J] = self.wsum[J] / S0
        xbar = np.zeros((m, self.X.shape[1]))
        xbar[J] = S1 / S0[:, None]
        A = np.cumsum(dlam)
        B = np.cumsum(dlam[:, None] * xbar, axis=0)
        rows = slice(start, stop)
        g = self.g[rows]
        s = self.X[rows] * A[g][:, None]
        s -= B[g]
        s *= -phi[rows, None]
        d0, d1 = np.searchsorted(self.dead, [start, len(self.g) if stop is None else stop])
        s[self.dead[d0:d1] - start] += self.Xd[d0:d1] - xbar[self.gd[d0:d1]]
        return s

    def meat(self, phi, S0, S1, block=65_536):
        """sum_i w_i^2 s_i s_i' over the score residuals, a block of rows at a time (no n x p
        temporaries)."""
        p = self.X.shape[1]
        out = np.zeros((p, p))
        for a in range(0, len(self.g), block):
            s = self.score_residuals(phi, S0, S1, a, a + block)
            out += (s * self.w2[a : a + block, None]).T @ s
        return out


def cox(
    time: np.ndarray,
    event: np.ndarray,
    X: np.ndarray,
    names: list[str] | None = None,
    weights: np.ndarray | None = None,
    robust: bool = True,
    cluster: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> CoxResult:
    """Newton-Raphson on the Efron partial likelihood, with step halving."""
    time = np.asarray(time)
    event = np.asarray(event, dtype=bool)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    p = X.shape[1]
    names = names or [f"x{i}" for i in range(p)]
    w = np.ones(len(time)) if weights is None else np.asarray(weights, dtype=np.float64)
    if not event.any():
        raise EstimationError("Cox model: no events")
    head = X[:1024]  # a short prefix settles most columns; only the rest are read in full
    for k in np.flatnonzero(head.min(axis=0) == head.max(axis=0)) if len(X) else []:
        if not np.any(X[:, k] != X[0, k]):
            raise EstimationError(f"Cox model: '{names[k]}' is constant (is an arm empty?)")
    x = X[:, 0]
    data = None
    if cluster is None and p == 1 and np.all((x == 0) | (x == 1)):
        data = _tally_data(tally(time, event, x == 1, w))  # a treatment indicator: cells
    with blas_threads():
        data = data or _CoxData(time, event, X, w)
        return _fit_cox(data, float(w.sum()), names, robust, cluster, w, tol, max_iter)


def cox_from(t: Tally, name: str = "treated", robust: bool = True) -> CoxResult:
    """Cox model on the treatment indicator alone, from a tally."""
    if not t.count[:, :, 1].any():
        raise EstimationError("Cox model: no events")
    if not (t.count[:, 0].any() and t.count[:, 1].any()):
        raise EstimationError(f"Cox model: '{name}' is constant (is an arm empty?)")
    with blas_threads():
        return _fit_cox(_tally_data(t), float(t.w.sum()), [name], robust, None, None, 1e-10, 50)


def cox_strata(tallies: list[Tally], name: str = "treated", robust: bool = True) -> CoxResult:
    """Cox model on the treatment indicator with a baseline hazard of its own in each stratum
    (the partial likelihood is the sum of the strata's; Efron ties within each). Strata with no
    events add nothing and are left out. With one stratum it is `cox_from`."""
    used = [t for t in tallies if t.count[:, :, 1].any()]
    if not used:
        raise EstimationError("Cox model: no events")
    if not any(t.count[:, 0].any() for t in tallies) or not any(
            t.count[:, 1].any() for t in tallies):
        raise EstimationError(f"Cox model: '{name}' is constant (is an arm empty?)")
    total = float(sum(t.w.sum() for t in tallies))
    with blas_threads():
        data = _Strata([_tally_data(t) for t in used])
        return _fit_cox(data, total, [name], robust, None, None, 1e-10, 50)


class _Strata:
    """Several strata's `_CoxData` as one: the log partial likelihood, its derivatives and the
    sandwich's meat are sums over the strata."""

    def __init__(self, parts: list[_CoxData]):
        self.parts = parts
        self.wsum = np.concatenate([p.wsum for p in parts])
        self.X = parts[0].X[:0]  # the covariates' shape (no rows)

    def evaluate(self, beta, want_hessian=True):
        ll, grad, info = 0.0, np.zeros(len(beta)), None
        extras = []
        for p in self.parts:
            lk, gk, ik, ek = p.evaluate(beta, want_hessian)
            ll += lk
            grad = grad + gk
            if ik is not None:
                info = ik if info is None else info + ik
            extras.append(ek)
        return ll, grad, info, tuple(extras)

    def meat(self, *extras):
        return sum(p.meat(*e) for p, e in zip(self.parts, extras, strict=True))


def _tally_data(t: Tally) -> _CoxData:
    """People with equal (time, treatment, event) collapsed into cells: a million people become
    a few hundred rows carrying their number, summed weights and summed squared weights."""
    keep = np.flatnonzero(t.count.ravel())
    cell_time = t.times[keep // 4]
    cell_x = ((keep // 2) % 2).astype(np.float64)[:, None]
    cell_event = (keep % 2).astype(bool)
    count = t.count.ravel()[keep].astype(np.float64)
    return _CoxData(cell_time, cell_event, cell_x, t.w.ravel()[keep], count, t.w2.ravel()[keep])


def _fit_cox(data, total_w, names, robust, cluster, w, tol, max_iter):
    p = data.X.shape[1]
    beta, loglik, info, extra, it = _newton(data, np.zeros(p), tol, max_iter)
    if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 30:
        raise EstimationError("Cox model did not converge (an arm may have no events)")
    cov = np.linalg.inv(info)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        raise EstimationError("Cox model: the information matrix is not positive definite")
    se = np.sqrt(np.diag(cov))
    rse = None
    if robust:
        if cluster is not None:  # the data's rows are in time order: put the ids in it too
            s = data.score_residuals(*extra) * data.w[:, None]
            _, cid = np.unique(np.asarray(cluster)[data.order], return_inverse=True)
            s = np.stack([np.bincount(cid.ravel(), weights=s[:, k]) for k in range(p)], axis=1)
            meat = s.T @ s
        else:
            meat = data.meat(*extra)  # extra: the evaluation at the final beta
        rcov = cov @ meat @ cov
        rse = np.sqrt(np.diag(rcov))
    use = rse if rse is not None else se
    lo, hi = beta - Z95 * use, beta + Z95 * use
    pv = np.array([normal_p(b / s) for b, s in zip(beta, use, strict=True)])
    return CoxResult(
        names, beta, se, rse, np.exp(beta), np.stack([np.exp(lo), np.exp(hi)], axis=1), pv,
        loglik, it, total_w, float(data.wsum.sum()), verdict(lo[0], hi[0]),
    )  # fmt: skip


def _newton(data, beta, tol, max_iter):
    """Newton-Raphson with step halving; returns beta, log-likelihood, information, the final
    evaluation's extras and the iterations. After a small step (< STALE_STEP) the next point
    reuses the information matrix (half of an evaluation's cost); the error still shrinks
    fast, and the information is recomputed at the final beta for the standard errors."""
    loglik, grad, info, extra = data.evaluate(beta)
    exact = True  # whether `info` belongs to the current beta
    it = 0
    for step_no in range(1, max_iter + 1):
        it = step_no
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            raise EstimationError("Cox model: singular information matrix (a covariate is "
                                  "constant or collinear)") from None  # fmt: skip
        fresh = np.max(np.abs(step)) > STALE_STEP
        new = beta + step
        new_ll, new_grad, new_info, new_extra = data.evaluate(new, fresh)
        halvings = 0
        while new_ll < loglik - 1e-12 * abs(loglik) and halvings < 30:
            step /= 2
            new = beta + step
            new_ll, new_grad, new_info, new_extra = data.evaluate(new, fresh)
            halvings += 1
        beta, loglik, grad, extra = new, new_ll, new_grad, new_extra
        info, exact = (new_info, True) if fresh else (info, False)
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise EstimationError("Cox model did not converge (an arm may have no events)")
    if not exact:
        loglik, grad, info, extra = data.evaluate(beta)
    return beta, loglik, info, extra, it


STALE_STEP = 1e-3
