"""Reoffending evaluation engine: outcomes, harm, trial and matched-comparison effects, survival.

A plain Python package (numpy + pyarrow + scipy, no Django). Start with `evaluate()`; the
command line is `reoffending evaluate ...` (or `python -m reoffending`); docs/engine.md
describes inputs and methods.
"""

from .errors import EstimationError, InputError, SettingError
from .evaluate import Evaluation, evaluate, summary_table
from .harm import HarmTable, load_harm_table
from .synthetic import generate

__all__ = [
    "Evaluation",
    "EstimationError",
    "HarmTable",
    "InputError",
    "SettingError",
    "evaluate",
    "generate",
    "load_harm_table",
    "summary_table",
]
