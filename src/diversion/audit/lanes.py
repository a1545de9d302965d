"""Which chain ("lane") of the processing log a new row joins, on PostgreSQL.

A single chain needs a single lock, held by each writer from its log row until its transaction
commits, so every writer in the service queues behind every other (bench/log_append.py measured
chained appends flat at about 40 a second however many writers). The log is instead
DIVERSION_LOG_LANES chains, each complete on its own: its own lock, head, checkpoints and
verification, so removing, inserting or changing a row is detected exactly as before, and
writers only queue when every lane is busy.

A transaction keeps to one lane: the connection remembers the lane it last took and tries it
first, and an advisory lock it already holds is granted again at once. It blocks for a lane only
when it holds none, so two writers can never wait for each other's lane (no deadlock).
SQLite serialises every write itself, so there everything is lane 0.
"""

from __future__ import annotations

import random

from django.conf import settings

# The advisory-lock class of the log's lanes: any constant (the second key is the lane).
LOCK_CLASS = 620_182_062


def take(connection) -> int:
    """Lock a lane for the current transaction and return it (PostgreSQL only)."""
    count = settings.DIVERSION_LOG_LANES
    preferred = getattr(connection, "diversion_log_lane", None)
    if preferred is None or preferred >= count:
        preferred = random.randrange(count)  # noqa: S311 - spreads load; not a secret
    others = [lane for lane in range(count) if lane != preferred]
    random.shuffle(others)
    with connection.cursor() as cursor:
        for lane in (preferred, *others):
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s::int, %s::int)",
                           [LOCK_CLASS, lane])
            if cursor.fetchone()[0]:
                break
        else:  # every lane busy, and this transaction holds none: queue for one
            lane = preferred
            cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [LOCK_CLASS, lane])
    connection.diversion_log_lane = lane
    return lane
