"""Unpenalised logistic propensity model (Newton-Raphson / IRLS) with standard errors."""

from __future__ import annotations

import contextlib
import math
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from .blas import blas_threads
from .effects import normal_p
from .errors import EstimationError, InputError
from .results import Result
from .tables import Labels


@dataclass
class Design:
    """Covariate matrix (no intercept column) with column names; text covariates dummy-coded.
    Stored column by column in the smallest type that holds every value exactly (int8 for
    flags, dummies and small counts), so a pass over it reads a fraction of the float64 bytes;
    the model converts it to float64 a block of rows at a time."""

    X: np.ndarray
    names: list[str]


def design_matrix(covariates: dict[str, np.ndarray | Labels], n: int) -> Design:
    """Numeric columns as they are; each text column as one dummy per level but the first
    (levels sorted, so the reference level is stable)."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    for name, values in covariates.items():
        if isinstance(values, Labels):
            present = np.bincount(values.codes, minlength=len(values.levels)) > 0
            levels = sorted(lvl for i, lvl in enumerate(values.levels) if present[i])
            for lvl in levels[1:]:
                cols.append(values.codes == values.levels.index(lvl))
                names.append(f"{name}={lvl}")
        elif values.dtype == object:
            levels = sorted(set(values.tolist()))
            for lvl in levels[1:]:
                cols.append(values == lvl)
                names.append(f"{name}={lvl}")
        else:
            cols.append(values)
            names.append(name)
    # contiguous columns
    X: np.ndarray = np.empty((n, len(cols)), dtype=_storage_type(cols), order="F")
    for j, c in enumerate(cols):
        X[:, j] = c
    return Design(X, names)


def _storage_type(cols: list[np.ndarray]) -> type:
    """The smallest type holding every column exactly: flags and integers in range as int8 or
    int16, anything else float64."""
    lo = hi = 0
    for c in cols:
        if c.dtype == bool:
            continue
        if not np.issubdtype(c.dtype, np.integer):
            return np.float64
        if len(c):
            lo, hi = min(lo, int(c.min())), max(hi, int(c.max()))
    for t in (np.int8, np.int16):
        if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
            return t
    return np.float64


@dataclass
class LogitResult(Result):
    names: list[str]  # "(intercept)" first
    coef: np.ndarray
    se: np.ndarray
    p_value: np.ndarray
    log_likelihood: float
    iterations: int
    n: int
    converged: bool


BLOCK = 16_384  # rows per block: converted to float64 once, then used from cache


SPLIT_ROWS = 200_000  # from this many rows a pass is two halves, maybe on two threads


def _pass(X, y, beta, hessian=True, loglik=True, hessian_type=np.float64, pool=None):
    """One pass over [1, X]: the linear predictor, the score, and (optionally) the information
    [1, X]' W [1, X] and the log-likelihood. Large data is always summed as two halves in a
    fixed order (the second on `pool`, an Executor, when given), so the result does not depend
    on whether a second thread was used."""
    n = len(y)
    eta = np.empty(n)
    if n < SPLIT_ROWS:
        return (*_part(X, y, beta, eta, 0, n, hessian, loglik, hessian_type), eta)
    mid = n // 2 // BLOCK * BLOCK
    args = (hessian, loglik, hessian_type)
    if pool is not None:
        later = pool.submit(_part, X, y, beta, eta, mid, n, *args)
        first = _part(X, y, beta, eta, 0, mid, *args)
        second = later.result()
    else:
        first = _part(X, y, beta, eta, 0, mid, *args)
        second = _part(X, y, beta, eta, mid, n, *args)
    grad = first[0] + second[0]
    hess = first[1] + second[1] if hessian else None
    return grad, hess, first[2] + second[2], eta


def _part(X, y, beta, eta, start, stop, hessian, loglik, hessian_type):
    """Rows start:stop of a pass, in row blocks: each block is read from memory once,
    converted to float64 with its intercept column, and reused from cache; eta is filled in
    place. A Hessian only used to choose steps may be summed in float32 (`hessian_type`):
    twice as fast, and the steps still converge to the exact maximum because the score is
    always float64."""
    p = X.shape[1]
    grad = np.zeros(p + 1)
    hess = np.zeros((p + 1, p + 1)) if hessian else None
    xf = np.empty((min(BLOCK, stop - start), p + 1), order="F")
    xf[:, 0] = 1.0
    xs = np.empty(xf.shape, dtype=hessian_type, order="F") if hessian else None
    tmp = np.empty(len(xf))
    ll = 0.0
    for a in range(start, stop, BLOCK):
        b = min(a + BLOCK, stop)
        yb, eb = y[a:b], eta[a:b]
        xb = xf[: len(yb)]
        xb[:, 1:] = X[a:b]
        # Column by column (not one matrix-vector product), so that people with the same
        # covariates get bit-identical scores wherever they sit: matching ties stay exact.
        eb.fill(beta[0])
        for j in range(1, len(beta)):
            np.multiply(xb[:, j], beta[j], out=tmp[: len(yb)])
            eb += tmp[: len(yb)]
        mu = np.exp(-eb)
        mu += 1.0
        np.reciprocal(mu, out=mu)
        grad += xb.T @ (yb - mu)
        if hessian:
            mu *= 1.0 - mu  # the weights mu (1 - mu)
            np.sqrt(mu, out=mu)
            sb = xs[: len(yb)]
            np.multiply(xb, mu[:, None], out=sb, casting="same_kind")
            hess += sb.T @ sb  # numpy hands A.T @ A to BLAS syrk: half a general product
        if loglik:  # sum y eta - log(1 + e^eta), stably
            ll += float(np.dot(yb, eb) - np.logaddexp(0.0, eb).sum())
    return grad, hess, ll


def _constant_column(X) -> int | None:
    """Index of a column with one value only (a short prefix settles most columns)."""
    head = X[:1024]
    for j in np.flatnonzero(head.min(axis=0) == head.max(axis=0)):
        col = X[:, j]
        if not np.any(col != col[0]):
            return int(j)
    return None


def fit_logit(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str] | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 50,
    warm_start_rows: int = 100_000,
    pool: Executor | None = None,
) -> tuple[LogitResult, np.ndarray]:
    """Logistic regression of y on [1, X]; returns the result and the linear predictor (logit).

    On large data Newton runs first on a fixed random subsample (a warm start), then full-data
    steps finish the job; the answer is the full-data maximum and does not depend on the
    subsample. X may be any numeric type (see `Design`). With `pool`, half of each full-data
    pass runs on it (the same result as without)."""
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X)
    if X.dtype == bool:
        X = X.astype(np.int8)
    n, p = X.shape
    names = ["(intercept)"] + (names or [f"x{i}" for i in range(p)])
    j = _constant_column(X) if n else None
    if j is not None:
        raise InputError("cohort", names[j + 1], "covariate is constant: it cannot be in the "
                         "propensity model")  # fmt: skip
    with blas_threads():
        return _fit(X, y, names, tol, max_iter, warm_start_rows, pool)


def _fit(X, y, names, tol, max_iter, warm_start_rows, pool):
    n, p1 = X.shape[0], X.shape[1] + 1
    converged = False
    if n > 4 * warm_start_rows:
        # a rare level missing from the subsample makes it fail: plain Newton below then
        with contextlib.suppress(EstimationError, np.linalg.LinAlgError):
            beta, hess, ll, eta, it, converged = _quasi_newton(
                X, y, warm_start_rows, tol, max_iter, pool
            )
    if not converged:
        beta, hess, ll, eta, it, converged = _iterate(X, y, np.zeros(p1), tol, max_iter,
                                                      pool=pool)  # fmt: skip
    if not converged or np.max(np.abs(beta)) > 25:
        worst = names[int(np.argmax(np.abs(beta)))]
        raise EstimationError(
            f"propensity model did not converge: '{worst}' may separate treated from comparison"
        )
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise EstimationError("propensity model: covariates are collinear") from None
    se = np.sqrt(np.diag(cov))
    pv = np.array([normal_p(b / s) if s > 0 else math.nan for b, s in zip(beta, se, strict=True)])
    return LogitResult(names, beta, se, pv, ll, it, n, converged), eta


def _quasi_newton(X, y, m, tol, max_iter, pool):
    """Newton on nested subsamples (m / 10 rows, then m), then full-data steps. The Hessian is
    the costly part of a pass, so a step reuses the last one unless the previous step was
    large (then the Hessian is stale and convergence slow); each reuse shrinks the error by
    the Hessian's relative error. The last pass gives the Hessian at the maximum, for the SEs."""
    n = len(y)
    rows = np.random.default_rng(0).choice(n, m, replace=False)
    beta = np.zeros(X.shape[1] + 1)
    if m >= 20_000:  # a random tenth of the subsample gets Newton most of the way, cheaply
        tenth = np.sort(rows[: m // 10])  # (sorted rows: cache-friendly gathers)
        beta = _iterate(X[tenth], y[tenth], beta, 1e-3, max_iter, np.float32)[0]
    rows = np.sort(rows)
    beta, hess = _iterate(X[rows], y[rows], beta, SUB_TOL, max_iter, np.float32)[:2]
    hess = hess * (n / m)  # the subsample's Hessian, scaled up, for the first full step
    grad = _pass(X, y, beta, hessian=False, loglik=False, pool=pool)[0]
    it = 0
    converged = False
    last = math.inf
    final = None  # a float64 pass at beta: its Hessian, log-likelihood and linear predictor
    for step_no in range(1, max_iter + 1):
        it = step_no
        step = np.linalg.solve(hess, grad)
        size = np.max(np.abs(step))
        if size < tol and final is not None:  # beta is the maximum: keep its float64 pass
            return beta, *final, it, True
        beta = beta + step
        if size < tol:
            converged = True
            break
        if size < NEAR:  # probably the last pass: make it the float64 one the SEs need
            grad, *final = _pass(X, y, beta, pool=pool)
            hess = final[0]
            continue
        final = None
        # the Hessian in hand shrinks each step ~100-fold; recompute it only when it does not
        refresh = size > SLOW * last
        last = size
        grad, new_hess, _, _ = _pass(X, y, beta, hessian=refresh, loglik=False,
                                     hessian_type=np.float32, pool=pool)  # fmt: skip
        hess = new_hess if refresh else hess
    grad, hess, ll, eta = _pass(X, y, beta, pool=pool)
    return beta, hess, ll, eta, it, converged


SLOW = 0.1  # a step shrinking less than this, relative to the one before, refreshes the Hessian
NEAR = 1e-4  # after a step this small, the next pass is usually the last
SUB_TOL = 1e-3  # the subsample's Newton stops here: the full-data steps finish the job


def _iterate(X, y, beta, tol, max_iter, hessian_type=np.float64, pool=None):
    grad, hess, ll, eta = _pass(X, y, beta, hessian_type=hessian_type, pool=pool)
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise EstimationError("propensity model: covariates are collinear") from None
        new = beta + step
        g2, h2, ll2, eta2 = _pass(X, y, new, hessian_type=hessian_type, pool=pool)
        halvings = 0
        while ll2 < ll - 1e-12 * abs(ll) and halvings < 30:
            step /= 2
            new = beta + step
            g2, h2, ll2, eta2 = _pass(X, y, new, hessian_type=hessian_type, pool=pool)
            halvings += 1
        beta, grad, hess, ll, eta = new, g2, h2, ll2, eta2
        if np.max(np.abs(step)) < tol:
            return beta, hess, ll, eta, it, True
    return beta, hess, ll, eta, max_iter, False
