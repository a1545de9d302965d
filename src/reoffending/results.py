"""JSON serialisation shared by every result dataclass."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """Plain JSON types: NaN/inf become None, numpy scalars and arrays become Python ones."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip = getattr(value, "_not_serialised", ())
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in skip
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


class Result:
    """Mixin: `to_dict()` gives JSON-serialisable plain data."""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)
