"""Versioned harm-weight tables: Home Office offence code -> days (Cambridge CHI style)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError

DEFAULT_VERSION = "2026.1"


@dataclass(frozen=True)
class HarmTable:
    """Offence code -> weight in days. `version` is named in every result that uses it."""

    version: str
    weights: dict[str, float]
    source: str

    def lookup(self, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Weights for a list of code levels, and which levels are unknown (weight 0)."""
        known = np.array([c in self.weights for c in codes], dtype=bool)
        days = np.array([self.weights.get(c, 0.0) for c in codes], dtype=np.float64)
        return days, ~known


def load_harm_table(path: str | Path | None = None, version: str | None = None) -> HarmTable:
    """The shipped table (default) or a CSV with columns code, days (version from the file name
    unless given)."""
    if path is None:
        name = f"harm_weights_{version or DEFAULT_VERSION}.csv"
        # a path beside this module, not importlib.resources (its imports cost ~20-60 ms cold)
        ref = Path(__file__).parent / "data" / name
        if not ref.is_file():
            raise InputError("harm table", None, f"no shipped harm table version {version!r}")
        text = ref.read_text(encoding="utf-8")
        source = f"reoffending/data/{name} (notes: {name[:-4]}.md)"
        version = version or DEFAULT_VERSION
    else:
        p = Path(path)
        if not p.exists():
            raise InputError("harm table", None, f"file not found: {p}")
        text = p.read_text(encoding="utf-8")
        source = str(p)
        version = version or p.stem
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "code" not in rows[0] or "days" not in rows[0]:
        raise InputError("harm table", "code", "needs columns code and days")
    weights: dict[str, float] = {}
    for i, row in enumerate(rows, start=1):
        try:
            days = float(row["days"])
        except (TypeError, ValueError):
            raise InputError("harm table", "days", "not a number", [i]) from None
        if days < 0 or not np.isfinite(days):
            raise InputError("harm table", "days", "weights must be finite and >= 0", [i])
        code = (row["code"] or "").strip()
        if code in weights:
            raise InputError("harm table", "code", f"duplicate code {code!r}", [i])
        weights[code] = days
    return HarmTable(version=version, weights=weights, source=source)
