"""The same evaluation written the usual way: pandas + scikit-learn + lifelines + statsmodels.

Used only by bench/engine.py as the baseline. It does the work the engine does, step by step,
with the idiomatic call for each; where a step is too slow to run in full at scale, it runs a
fraction and the bench scales the time up and says so.
"""

from __future__ import annotations

import json
import time

import numpy as np

STEPS: dict[str, float] = {}
NOTES: dict[str, str] = {}


class Step:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self):
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        STEPS[self.name] = STEPS.get(self.name, 0.0) + time.perf_counter() - self.t


def evaluate(cohort_path, offences_path, out_path, design, covariates, harm_weights,
             windows=(182, 365), scopes=("any", "da"), bootstrap=1000, boot_run=100,
             seed=0):  # fmt: skip
    import pandas as pd

    with Step("read + check inputs"):
        cohort = pd.read_parquet(cohort_path)
        off = pd.read_parquet(offences_path)
        if cohort.person_id.duplicated().any():
            raise ValueError("duplicate person ids")
        cohort["index_date"] = pd.to_datetime(cohort["index_date"])
        for col in ("offence_date", "recorded_date", "disposal_date"):
            off[col] = pd.to_datetime(off[col])
        off["offence_code"] = off["offence_code"].astype(str)
        if (off.recorded_date < off.offence_date).any():
            raise ValueError("negative durations")
        data_end = off.recorded_date.max()

    with Step("outcomes"):
        m = off.merge(cohort[["person_id", "index_date"]], on="person_id", how="inner")
        m["d"] = (m.offence_date - m.index_date).dt.days
        m["w"] = m.offence_code.map(harm_weights).fillna(0.0)
        m = m[(m.d > 0) & (m.d <= max(windows)) & (m.recorded_date <= data_end)]
        follow = (data_end - cohort.index_date).dt.days.to_numpy()
        outcomes = {}
        for scope in scopes:
            sm_ = m if scope == "any" else m[m.domestic_abuse]
            for w in windows:
                sel = sm_[sm_.d <= w]
                g = sel.groupby("person_id").agg(
                    count=("d", "size"), harm=("w", "sum"), severity=("w", "max"),
                    first=("d", "min"),
                )
                g = g.reindex(cohort.person_id).fillna({"count": 0, "harm": 0, "severity": 0})
                horizon = np.minimum(follow, w)
                first = g["first"].to_numpy()
                event = ~np.isnan(first) & (first <= horizon)
                outcomes[(w, scope)] = pd.DataFrame({
                    "count": g["count"].to_numpy(), "harm": g["harm"].to_numpy(),
                    "time": np.where(event, first, horizon), "event": event,
                    "eligible": follow >= w,
                })  # fmt: skip

    if design == "trial":
        treated = (cohort.arm == "treatment").to_numpy()
        weights = np.ones(len(cohort))
    else:
        treated = (cohort.group == "treatment").to_numpy()
        weights = _matched(cohort, covariates, treated)

    result = {"design": design, "outcomes": []}
    for (w, scope), o in outcomes.items():
        result["outcomes"].append(
            _effects(o, treated, weights, design, bootstrap, boot_run, seed, w, scope)
        )
    with Step("write JSON"), open(out_path, "w") as fh:
        json.dump(result, fh, default=lambda v: np.asarray(v, dtype=float).tolist())
    return result


def _matched(cohort, covariates, treated):
    import pandas as pd
    import statsmodels.api as sm
    from sklearn.neighbors import NearestNeighbors

    with Step("propensity model"):
        X = pd.get_dummies(cohort[covariates], drop_first=True).astype(float)
        X = sm.add_constant(X)
        fit = sm.Logit(treated.astype(float), X).fit(disp=0)  # Newton, with SEs
        logit = (X.to_numpy() @ fit.params.to_numpy())
        _ = fit.bse
    with Step("matching"):
        sd = np.sqrt((logit[treated].var(ddof=1) + logit[~treated].var(ddof=1)) / 2)
        c_rows = np.flatnonzero(~treated)
        nn = NearestNeighbors(n_neighbors=1).fit(logit[c_rows, None])
        dist, idx = nn.kneighbors(logit[treated, None])
        ok = dist[:, 0] <= 0.2 * sd
        weights = np.zeros(len(cohort))
        weights[np.flatnonzero(treated)[ok]] = 1.0
        counts = pd.Series(c_rows[idx[ok, 0]]).value_counts()
        weights[counts.index.to_numpy()] += counts.to_numpy()
    with Step("balance"):
        df = X.drop(columns="const").assign(_t=treated, _w=weights)
        before = df.groupby("_t").agg(["mean", "var"])
        after = df[df._w > 0]
        cols = [c for c in df.columns if c not in ("_t", "_w")]
        means = after.groupby("_t")[cols + ["_w"]].apply(
            lambda g: pd.Series(np.average(g[cols], axis=0, weights=g._w))
        )
        _ = (before, means)
    return weights


def _effects(o, treated, weights, design, bootstrap, boot_run, seed, w, scope):
    import statsmodels.api as sm
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep

    out = {"window": w, "scope": scope}
    el = o.eligible.to_numpy() & (weights > 0)
    y = (o["count"].to_numpy() > 0).astype(float)
    t_el, c_el = el & treated, el & ~treated
    with Step("effects: prevalence and rates"):
        if design == "trial":
            e_t, e_c = y[t_el].sum(), y[c_el].sum()
            out["rd_ci"] = confint_proportions_2indep(e_t, t_el.sum(), e_c, c_el.sum(),
                                                      method="wald", compare="diff")  # fmt: skip
            table = np.array([[e_t, t_el.sum() - e_t], [e_c, c_el.sum() - e_c]])
            out["rr"] = Table2x2(table).riskratio_confint()
        else:
            X = sm.add_constant(treated[el].astype(float))
            out["rd"] = sm.WLS(y[el], X, weights=weights[el]).fit(cov_type="HC0").conf_int()
        X = sm.add_constant(treated[el].astype(float))
        glm = sm.GLM(o["count"].to_numpy()[el], X, family=sm.families.Poisson(),
                     var_weights=weights[el]).fit(cov_type="HC0")  # fmt: skip
        out["rate_ratio"] = np.exp(glm.params[1])
    with Step("effects: harm bootstrap"):
        rng = np.random.default_rng(seed)
        h = o.harm.to_numpy()
        ht, hc = h[t_el], h[c_el]
        wt, wc = weights[t_el], weights[c_el]
        diffs = []
        for _ in range(boot_run):  # scaled up to `bootstrap` resamples by the bench
            i = rng.integers(0, len(ht), len(ht))
            j = rng.integers(0, len(hc), len(hc))
            diffs.append(np.average(ht[i], weights=wt[i]) - np.average(hc[j], weights=wc[j]))
        out["harm_ci"] = np.quantile(diffs, [0.025, 0.975]).tolist()
        NOTES["effects: harm bootstrap"] = (f"ran {boot_run} resamples, time scaled to "
                                            f"{bootstrap}")  # fmt: skip
    with Step("survival: Kaplan-Meier + log-rank"):
        s = weights > 0
        T, E = o.time.to_numpy()[s], o.event.to_numpy()[s]
        tr, ww = treated[s], weights[s]
        for g in (True, False):
            KaplanMeierFitter().fit(T[tr == g], E[tr == g], weights=ww[tr == g])
        out["logrank"] = logrank_test(T[tr], T[~tr], E[tr], E[~tr], weights_A=ww[tr],
                                      weights_B=ww[~tr]).p_value  # fmt: skip
    with Step("survival: Cox"):
        import pandas as pd

        df = pd.DataFrame({"T": T, "E": E, "treated": tr.astype(float), "w": ww})
        cph = CoxPHFitter().fit(df, "T", "E", weights_col="w")  # robust=True is O(n^2) here
        out["hr"] = float(np.exp(cph.params_.iloc[0]))
        NOTES["survival: Cox"] = "lifelines, model-based SE (its robust SE is O(n^2))"
    return out
