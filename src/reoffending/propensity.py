"""Unpenalised logistic propensity model (Newton-Raphson / IRLS) with standard errors."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from .blas import threads_for
from .effects import normal_p
from .errors import EstimationError, InputError
from .results import Result


@dataclass
class Design:
    """Covariate matrix (no intercept) with column names; text covariates dummy-coded."""

    X: np.ndarray
    names: list[str]


def design_matrix(covariates: dict[str, np.ndarray], n: int) -> Design:
    """Numeric columns as they are; each text column as one dummy per level but the first
    (levels sorted, so the reference level is stable)."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    for name, values in covariates.items():
        if values.dtype == object:
            levels = sorted(set(values.tolist()))
            for lvl in levels[1:]:
                cols.append((values == lvl).astype(np.float64))
                names.append(f"{name}={lvl}")
        else:
            cols.append(values.astype(np.float64, copy=False))
            names.append(name)
    X = np.empty((n, len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        X[:, j] = c
    return Design(X, names)


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


def _newton_step(X, y, beta, w=None):
    eta = X @ beta
    mu = 1.0 / (1.0 + np.exp(-eta))
    v = mu * (1.0 - mu)
    if w is not None:
        v = v * w
    grad = X.T @ ((y - mu) if w is None else w * (y - mu))
    hess = X.T @ (X * v[:, None])
    with np.errstate(divide="ignore"):
        ll = float(np.sum(np.where(y > 0, np.log(mu), np.log1p(-mu)) * (1 if w is None else w)))
    return grad, hess, ll, eta


def fit_logit(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str] | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 50,
    warm_start_rows: int = 100_000,
) -> tuple[LogitResult, np.ndarray]:
    """Logistic regression of y on [1, X]; returns the result and the linear predictor (logit).

    On large data the first iterations run on a fixed random subsample (a warm start), then
    Newton steps on all rows finish the job: Newton converges quadratically, so two or three
    full passes reach the full-data maximum. The answer does not depend on the subsample."""
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    names = ["(intercept)"] + (names or [f"x{i}" for i in range(p)])
    for j in range(p):
        col = X[:, j]
        if col.min() == col.max():
            raise InputError("cohort", names[j + 1], "covariate is constant: it cannot be in the "
                             "propensity model")  # fmt: skip
    Xc = np.empty((n, p + 1))
    Xc[:, 0] = 1.0
    Xc[:, 1:] = X
    with threads_for(n, p + 1):
        return _fit(Xc, y, names, tol, max_iter, warm_start_rows)


def _fit(Xc, y, names, tol, max_iter, warm_start_rows):
    n, p1 = Xc.shape
    converged = False
    if n > 4 * warm_start_rows:
        # a rare level missing from the subsample makes it fail: plain Newton below then
        with contextlib.suppress(EstimationError, np.linalg.LinAlgError):
            beta, hess, ll, eta, it, converged = _quasi_newton(
                Xc, y, warm_start_rows, tol, max_iter
            )
    if not converged:
        beta, hess, ll, eta, it, converged = _iterate(Xc, y, np.zeros(p1), tol, max_iter)
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


def _quasi_newton(X, y, m, tol, max_iter):
    """Newton on a fixed subsample, then full-data steps with the subsample's Hessian scaled
    up (each full step costs two matrix-vector products, and the error shrinks by the
    Hessian's relative error each time), then the exact full-data Hessian for the SEs."""
    n = len(y)
    rows = np.random.default_rng(0).choice(n, m, replace=False)
    beta, hess_sub, *_ = _iterate(X[rows], y[rows], np.zeros(X.shape[1]), 1e-8, max_iter)
    approx = hess_sub * (n / m)
    it = 0
    converged = False
    for step_no in range(1, max_iter + 1):
        it = step_no
        eta = X @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        step = np.linalg.solve(approx, X.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    grad, hess, ll, eta = _newton_step(X, y, beta)
    return beta, hess, ll, eta, it, converged


def _iterate(X, y, beta, tol, max_iter):
    grad, hess, ll, eta = _newton_step(X, y, beta)
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise EstimationError("propensity model: covariates are collinear") from None
        new = beta + step
        g2, h2, ll2, eta2 = _newton_step(X, y, new)
        halvings = 0
        while ll2 < ll - 1e-12 * abs(ll) and halvings < 30:
            step /= 2
            new = beta + step
            g2, h2, ll2, eta2 = _newton_step(X, y, new)
            halvings += 1
        beta, grad, hess, ll, eta = new, g2, h2, ll2, eta2
        if np.max(np.abs(step)) < tol:
            return beta, hess, ll, eta, it, True
    return beta, hess, ll, eta, max_iter, False
