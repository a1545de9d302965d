"""Synthetic cohorts and offence histories with a known true effect, for tests and benchmarks.

Each person has a latent offending rate driven by age, sex, needs and an unobserved frailty;
prior offences (five years before the index date) are drawn from it, so prior counts carry the
confounding the matched design must remove. Treatment (matched design) is more likely for
people with more prior offences and DA history; in a trial it is assigned at random. People
who receive the intervention offend at (1 - effect) times their rate afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

EPOCH = dt.date(1970, 1, 1)
DA_LIKELY = {"105A": 0.6, "8N": 0.5, "8L": 0.6, "8Q": 0.7, "8U": 1.0, "8R": 0.5, "58A": 0.5}
CODE_SHARE = {
    "105A": 14, "104": 2, "8N": 8, "5D": 0.5, "8L": 6, "8Q": 1.5, "8U": 3, "8R": 4, "9A": 8,
    "66": 1, "58A": 4, "58B": 2, "58C": 3, "58D": 4, "49": 10, "46": 9, "92E": 6, "92D": 3,
    "28E": 2, "30C": 1.5, "34B": 1, "45": 3, "48": 1.5, "8P": 1, "19C": 0.2,
}  # fmt: skip
UNKNOWN_CODE = "99Z"  # not in the harm table: the engine must count and report it
UNKNOWN_SHARE = 0.002


@dataclass
class SyntheticData:
    cohort: pa.Table
    offences: pa.Table
    data_end: dt.date
    true_rate_ratio: float  # among people who received the intervention
    design: str


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32())


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate(score: np.ndarray, share: float) -> np.ndarray:
    """Intercept so that the mean probability is `share` (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if _sigmoid(mid + score).mean() > share:
            hi = mid
        else:
            lo = mid
    return _sigmoid((lo + hi) / 2 + score)


def generate(
    people: int = 10_000,
    effect: float = 0.2,
    seed: int = 0,
    *,
    design: str = "matched",
    treated_share: float = 0.115,
    offences_per_person: float = 5.0,
    start: dt.date = dt.date(2022, 1, 1),
) -> SyntheticData:
    """`people` cohort rows and about `offences_per_person` offences each (prior, index and
    later offences). `effect` is the true relative reduction in the offending rate."""
    if design not in ("matched", "trial"):
        raise ValueError("design must be 'matched' or 'trial'")
    rng = np.random.default_rng(seed)
    n = people
    start_day = (start - EPOCH).days
    index_day = start_day + rng.integers(0, 730, n)
    data_end_day = start_day + 730 + 300  # the latest index dates get under a year
    age = np.clip(18 + rng.gamma(2.2, 8.0, n), 18, 80).astype(np.int64)
    male = rng.random(n) < 0.78
    employed = rng.random(n) < 0.45
    substance = rng.random(n) < 0.25
    mental = rng.random(n) < 0.3
    housing = rng.random(n) < 0.15
    ethnicity = rng.choice(np.array(["asian", "black", "mixed_other", "white"]), n,
                           p=[0.08, 0.06, 0.06, 0.80])  # fmt: skip
    force = rng.choice(np.array(["f1", "f2", "f3", "f4", "f5"]), n)
    dash = rng.choice(np.array(["medium", "none", "standard"]), n, p=[0.25, 0.45, 0.30])
    frailty = rng.normal(0, 0.6, n)
    da_person = rng.random(n) < 0.35 + 0.25 * (dash != "none")
    log_rate = (-0.55 - 0.025 * (age - 30) + 0.25 * male - 0.2 * employed + 0.35 * substance
                + 0.15 * mental + 0.2 * housing + frailty)  # fmt: skip
    rate = np.exp(log_rate)  # offences per year
    # scale so the expected total (5 years prior + index + ~1.6 years after) matches the target
    rate *= max(offences_per_person - 1.0, 0.1) / (6.6 * rate.mean())

    codes = list(CODE_SHARE)
    shares = np.array([CODE_SHARE[c] for c in codes])
    shares /= shares.sum()
    codes_arr = np.array(codes + [UNKNOWN_CODE])
    code_p = np.append(shares * (1 - UNKNOWN_SHARE), UNKNOWN_SHARE)
    da_p = np.array([DA_LIKELY.get(c, 0.08) for c in codes] + [0.05])
    violent = np.array([c in {"105A", "104", "8N", "5D", "34B", "19C"} for c in codes] + [False])

    # Prior offences: 5 years before the index date.
    n_prior = rng.poisson(rate * 5.0)
    p_person = np.repeat(np.arange(n), n_prior)
    p_day = index_day[p_person] - rng.integers(1, 5 * 365, len(p_person))
    p_code = rng.choice(len(codes_arr), len(p_person), p=code_p)
    p_da = rng.random(len(p_person)) < da_p[p_code] * np.where(da_person[p_person], 1.0, 0.3)
    rel = index_day[p_person] - p_day
    prior = {w: np.bincount(p_person[rel <= w], minlength=n) for w in (182, 365, 730, 1825)}
    prior_da = np.bincount(p_person[p_da], minlength=n) > 0
    prior_violence = np.bincount(p_person[violent[p_code]], minlength=n) > 0
    index_code = rng.choice(np.array(["105A", "8L", "58A", "9A", "49", "8R"]), n)
    group_offence = np.select(
        [np.isin(index_code, ["105A"]), np.isin(index_code, ["8L", "8R"]), index_code == "58A",
         index_code == "9A"],
        ["violence", "stalking_harassment", "criminal_damage", "public_order"], "theft",
    )  # fmt: skip

    # Who gets the intervention.
    if design == "matched":
        score = (0.35 * np.log1p(prior[365]) + 0.6 * prior_da + 0.3 * (dash == "standard")
                 - 0.01 * (age - 30) + 0.4 * male + 0.3 * (group_offence == "violence")
                 + 0.2 * (force == "f1") + 0.3 * substance)  # fmt: skip
        treated = rng.random(n) < _calibrate(score, treated_share)
        group = np.where(treated, "treatment", "comparison")
        arm = None
        received = np.where(treated, np.where(rng.random(n) < 0.85, "completed", "started"),
                            "none")  # fmt: skip
    else:
        treated = rng.random(n) < treated_share
        group = np.where(treated, "treatment", "control")
        arm = group
        u = rng.random(n)
        took = np.where(u < 0.8, "completed", np.where(u < 0.91, "started", "none"))
        received = np.where(treated, took, "none")
    got = received != "none"
    mult = np.where(got, 1.0 - effect, 1.0)

    # Offences after the index date, up to a year past the data end (dropped below if recorded
    # after it, as an extract would be).
    span = data_end_day + 365 - index_day
    n_post = rng.poisson(rate * mult * span / 365.0)
    q_person = np.repeat(np.arange(n), n_post)
    q_day = index_day[q_person] + 1 + (rng.random(len(q_person)) * span[q_person]).astype(np.int64)
    q_code = rng.choice(len(codes_arr), len(q_person), p=code_p)
    q_da = rng.random(len(q_person)) < da_p[q_code] * np.where(da_person[q_person], 1.0, 0.3)

    person = np.concatenate([p_person, np.arange(n), q_person])
    day = np.concatenate([p_day, index_day, q_day])
    code_idx = np.concatenate([p_code, _code_index(codes_arr, index_code), q_code])
    da = np.concatenate([p_da, np.isin(index_code, ["105A", "8L", "8R"]) & da_person, q_da])
    m = len(person)
    recorded = day + rng.geometric(0.4, m) - 1
    same_victim = da & (rng.random(m) < 0.6)
    u = rng.random(m)
    disposal = np.select([u < 0.25, u < 0.40, u < 0.45], ["conviction", "caution", "charge"],
                         "none")  # fmt: skip
    lag = np.where(disposal == "conviction", rng.integers(30, 300, m), rng.integers(7, 60, m))
    disposal_day = recorded + lag
    keep = recorded <= data_end_day
    has_disposal = (disposal != "none") & (disposal_day <= data_end_day)
    disposal = np.where(has_disposal, disposal, "none")  # not yet disposed of at the data end
    ids = np.arange(1, n + 1, dtype=np.int64) + 100_000

    cohort_cols = {
        "person_id": ids,
        "group": group,
        "index_date": _dates(index_day),
        "received": received,
        "age": age,
        "male": male,
        "employed": employed,
        "substance_misuse": substance,
        "mental_health": mental,
        "housing_need": housing,
        "prior_6m": prior[182],
        "prior_12m": prior[365],
        "prior_24m": prior[730],
        "prior_60m": prior[1825],
        "prior_da": prior_da,
        "prior_violence": prior_violence,
        "dash": dash,
        "ethnicity": ethnicity,
        "force": force,
        "offence_group": group_offence,
    }
    if arm is not None:
        cohort_cols["arm"] = arm
    cohort = pa.table(cohort_cols)
    disp_days = pa.array(disposal_day[keep].astype(np.int32), pa.date32(),
                         mask=~has_disposal[keep])  # fmt: skip
    offences = pa.table({
        "person_id": ids[person[keep]],
        "offence_date": _dates(day[keep]),
        "recorded_date": _dates(recorded[keep]),
        "offence_code": pa.DictionaryArray.from_arrays(
            pa.array(code_idx[keep].astype(np.int32)), pa.array(codes_arr.tolist())
        ),
        "domestic_abuse": da[keep],
        "same_victim": same_victim[keep],
        "disposal_type": pa.DictionaryArray.from_arrays(
            pa.array(np.searchsorted(["caution", "charge", "conviction", "none"],
                                     disposal[keep]).astype(np.int32)),
            pa.array(["caution", "charge", "conviction", "none"]),
        ),
        "disposal_date": disp_days,
    })  # fmt: skip
    return SyntheticData(
        cohort, offences, EPOCH + dt.timedelta(days=int(data_end_day)), 1.0 - effect, design
    )


def _code_index(codes_arr: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    order = np.argsort(codes_arr)
    return order[np.searchsorted(codes_arr[order], wanted)]
