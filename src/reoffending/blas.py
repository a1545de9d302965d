"""BLAS threading: small matrix products run single-threaded.

OpenBLAS's threads cost far more than they save on small products, and on a busy machine
(other processes on the same cores) a threaded 20,000 x 17 product took a second instead of a
millisecond. Large products keep every thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

SMALL_WORK = 200_000_000  # rows x columns^2 below which one thread is faster


@contextlib.contextmanager
def threads_for(rows: int, cols: int) -> Iterator[None]:
    if rows * cols * cols >= SMALL_WORK:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
