"""Measure trial allocation time (not a test: timings are never asserted).

Run: .venv/bin/python -m pytest -q -s bench/bench_allocation.py   (set DATABASE_URL for PostgreSQL)
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import transaction
from tests.factories import make_cast
from tests.referral.helpers import make_case

from diversion.accounts.roles import Role
from diversion.programmes import registry
from diversion.trials.services import allocate


@pytest.mark.django_db
def test_allocation_time():
    cast = make_cast()
    officer = cast.users[Role.DECISION_MAKER]
    trial = registry.current("cara").trial
    cases = [make_case(cast, status="consulted", dash_risk=("standard", "medium")[i % 2])
             for i in range(400)]
    timings = []
    for case in cases:
        start = time.perf_counter()
        with transaction.atomic():
            allocate(actor=officer, case=case, trial=trial, programme_version=1,
                     facts={"dash_risk": case.dash_risk})
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(f"\nallocation over {len(timings)} draws (ms): median {statistics.median(timings):.2f}, "
          f"p95 {timings[int(len(timings) * 0.95)]:.2f}, max {timings[-1]:.2f}")
