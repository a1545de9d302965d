"""Large arrays without transparent huge pages while the engine runs.

NumPy asks the kernel for huge pages (madvise) for every array of 4 MB or more. Where the
kernel's THP defrag setting is `madvise` (the default on many distributions, and on the
benchmark machine), each such request can make the kernel compact memory on the spot: a cold
1M-person matched evaluation spent 0.7-1.5 s of system time on it, against 0.4 s with the advice
off, and no difference in user time. The engine switches the advice off while it runs and puts
the previous setting back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np


@contextlib.contextmanager
def no_hugepage_advice() -> Iterator[None]:
    setter = getattr(getattr(np, "_core", np), "multiarray", None)
    setter = getattr(setter, "_set_madvise_hugepage", None)
    if setter is None:  # not this numpy: nothing to switch
        yield
        return
    previous = setter(False)
    try:
        yield
    finally:
        setter(previous)
