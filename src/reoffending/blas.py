"""BLAS threading: the engine's matrix products run on one thread.

Measured on the 2-core benchmark machine while other processes were busy: a 1,000,000 x 26
Gram matrix took 0.3 s on one OpenBLAS thread and 3-13 s on two (threads spin and wait for
each other when the cores are shared); idle, two threads save at most ~0.1 s. One thread is
the predictable choice. Pass `threads=None` to keep the library default.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def blas_threads(threads: int | None = 1) -> Iterator[None]:
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield
