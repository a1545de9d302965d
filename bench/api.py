"""Benchmark the API's case list against the police work-queue page, in one run.

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py demo_data
    .venv/bin/python bench/api.py --requests 200

Over the demo data (sgt.okafor's force), creates an API client (once per run, by the force's
administrator) and requests, interleaved, `GET /api/v1/police/cases/?limit=50` with its token
and the police home page signed in as sgt.okafor, through the Django test client with the whole
middleware stack. Both write their processing-log row. Prints each one's p50 and p95 and the
ratio; the last line is the headline ratio (API p50 / page p50).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path


def setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root / "src"), str(root)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from diversion.accounts.models import User
    from diversion.api import services

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.API_RATE_LIMIT = ""
    officer = User.objects.get(username="sgt.okafor")
    admin = User.objects.get(username="admin.brennan")
    _, token = services.create_client(
        actor=admin, name=f"bench {time.time_ns()}", role=officer.role, can_read=True,
        can_write=False, expires_on=timezone.localdate() + timedelta(days=1))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    page = Client()
    page.force_login(officer)
    from tests.second_step import pass_second_step

    pass_second_step(page, officer)
    api_url, page_url = "/api/v1/police/cases/?limit=50", reverse("cases:home")
    timings: dict[str, list[float]] = {"api": [], "page": []}
    for _ in range(5):  # warm up
        api.get(api_url), page.get(page_url)
    for _ in range(args.requests):
        for name, client, url in (("api", api, api_url), ("page", page, page_url)):
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(f"{name}: p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms "
              f"({len(values)} requests)")
    ratio = statistics.median(timings["api"]) / statistics.median(timings["page"])
    print(f"API case list (50 cases) p50 / police home page p50: {ratio:.2f}")


if __name__ == "__main__":
    main()
