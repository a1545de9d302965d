"""Randomised-trial pieces: CONSORT counts, complier-average effect, minimum detectable effect."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .effects import Z95, normal_p, verdict
from .results import Result

Z80 = 0.8416212335729143  # standard normal quantile for 80% power


@dataclass
class Consort(Result):
    """Flow counts per arm: randomised, what was received, analysed per window."""

    randomised: dict[str, int]
    received: dict[str, dict[str, int]]
    analysed: dict[str, dict[str, int]] = field(default_factory=dict)  # window -> arm -> n
    follow_up_incomplete: dict[str, dict[str, int]] = field(default_factory=dict)
    not_randomised: int = 0  # cohort rows with no (or another) arm


@dataclass
class ComplierEffect(Result):
    """Complier-average causal effect (Wald / instrumental-variable estimator, random
    assignment as the instrument, receipt of the intervention as the treatment), HC0 SE."""

    effect: float | None
    ci: tuple[float, float] | None
    se: float | None
    p_value: float | None
    compliance_difference: float | None  # share receiving, treatment arm minus control arm
    verdict: str
    note: str = ""


def complier_effect(y: np.ndarray, assigned: np.ndarray, received: np.ndarray) -> ComplierEffect:
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(assigned, dtype=np.float64)
    d = np.asarray(received, dtype=np.float64)
    if z.sum() < 2 or (1 - z).sum() < 2:
        return ComplierEffect(None, None, None, None, None, "inconclusive", "an arm is too small")
    zc = z - z.mean()
    dz = float(np.dot(zc, d - d.mean()))
    first = float(d[z == 1].mean() - d[z == 0].mean())
    if abs(first) < 1e-12:
        return ComplierEffect(None, None, None, None, first, "inconclusive",
                              "receipt does not differ between arms")  # fmt: skip
    beta = float(np.dot(zc, y - y.mean()) / dz)
    alpha = y.mean() - beta * d.mean()
    e = y - alpha - beta * d
    se = math.sqrt(float(np.dot(zc * zc, e * e))) / abs(dz)
    ci = (beta - Z95 * se, beta + Z95 * se)
    return ComplierEffect(
        beta, ci, se, normal_p(beta / se) if se > 0 else None, first, verdict(*ci)
    )


@dataclass
class MinimumDetectableEffect(Result):
    """Smallest true risk difference the sample would detect (two-sided 5%, 80% power)."""

    n_treated: float
    n_control: float
    control_risk: float | None
    absolute: float | None  # percentage points / 100
    relative: float | None  # as a share of the control risk
    alpha: float = 0.05
    power: float = 0.8


def minimum_detectable_effect(
    n_treated: float, n_control: float, control_risk: float | None
) -> MinimumDetectableEffect:
    if not n_treated or not n_control or control_risk is None:
        return MinimumDetectableEffect(n_treated, n_control, control_risk, None, None)
    p = control_risk
    mde = (Z95 + Z80) * math.sqrt(p * (1 - p) * (1 / n_treated + 1 / n_control))
    return MinimumDetectableEffect(
        n_treated, n_control, p, mde, mde / p if p > 0 else None
    )
