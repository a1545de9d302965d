"""Benchmark the commissioner dashboard against a trivial page of the same app, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dcommission \
        .venv/bin/python bench/dashboard.py --offences 1000000 --cases 50000

Scales up demo-like data in a separate synthetic force ("Bench Force", overseen by "Bench PCC
Office"), reusing it when it is already there; recomputes the dashboard's aggregates (as the task
queue does); then requests the dashboard and the public statistics list through the Django test
client, signed in as the same commissioner with the same middleware, interleaved, and prints
each page's p50 and p95 and the ratio. The dashboard is measured twice: cold (its cached
rendering cleared before each request, as on the first view after a recount) and as a repeat
view (the cached rendering). Target: dashboard p95 within 300 ms.
Use --small for a quick run (the test suite uses it on a test database).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

TARGET_MS = 300.0


def setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root / "src"), str(root)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")
    import django

    django.setup()


def scale_up(offences: int, cases: int, seed: int = 8, out=sys.stdout):
    """Create (or reuse) the bench force with `offences` offences and `cases` cases."""
    from django.db import transaction
    from django.utils import timezone

    from diversion.accounts.models import Organisation, User
    from diversion.accounts.roles import OrganisationKind, Role
    from diversion.cases.models import Case, Offence, Person
    from diversion.commissioning.models import CommissionedForce, Contract

    force, _ = Organisation.objects.get_or_create(
        code="bench-force", defaults={"name": "Bench Force", "kind": OrganisationKind.POLICE_FORCE})
    office, _ = Organisation.objects.get_or_create(
        code="bench-pcc", defaults={"name": "Bench PCC Office",
                                    "kind": OrganisationKind.COMMISSIONER})
    provider, _ = Organisation.objects.get_or_create(
        code="bench-provider", defaults={"name": "Bench Provider",
                                         "kind": OrganisationKind.PROVIDER})
    CommissionedForce.objects.get_or_create(commissioner_office=office, force=force)
    commissioner, _ = User.objects.get_or_create(
        username="bench.commissioner",
        defaults={"role": Role.COMMISSIONER, "organisation": office})
    officer, _ = User.objects.get_or_create(
        username="bench.officer", defaults={"role": Role.DECISION_MAKER, "organisation": force})
    today = date.today()
    for code, value, years in (("CARA", 125000, 3), ("JUNO", 90000, 4)):
        if not Contract.objects.filter(commissioner_office=office, programme_code=code).exists():
            Contract.objects.create(
                commissioner_office=office, programme_code=code, provider=provider,
                start_date=date(today.year - 2, 4, 1), end_date=date(today.year - 2 + years, 3, 31),
                annual_value=value, target_referrals=200, target_starts=170,
                target_completions=150, created_by=commissioner)

    rng = random.Random(seed)
    have_offences = Offence.objects.filter(force=force).count()
    people_needed = max(offences // 4, cases, 1)
    have_people = Person.objects.filter(force=force).count()
    started = time.perf_counter()
    chunk = 20_000
    while have_people < people_needed:
        batch = []
        for i in range(have_people, min(have_people + chunk, people_needed)):
            batch.append(Person(
                force=force, force_reference=f"BP{i:08d}", given_name="Bench",
                family_name=f"Person{i}", sex=rng.choice("MMMF"),
                date_of_birth=today - timedelta(days=rng.randint(17 * 365, 70 * 365)),
                ethnicity=rng.choice(["W1", "W1", "W1", "W9", "A1", "B2", "M1", "NS"])))
        with transaction.atomic():
            Person.objects.bulk_create(batch, batch_size=5000)
        have_people += len(batch)
    person_ids = list(Person.objects.filter(force=force).order_by("id")
                      .values_list("id", flat=True)[:people_needed])
    while have_offences < offences:
        batch = []
        for i in range(have_offences, min(have_offences + chunk, offences)):
            when = today - timedelta(days=rng.randint(1, 5 * 365))
            batch.append(Offence(
                force=force, person_id=person_ids[i % len(person_ids)],
                crime_reference=f"BC{i:09d}", offence_code_id="105A", offence_date=when,
                recorded_date=when, domestic_abuse=True, relationship="current_partner"))
        with transaction.atomic():
            Offence.objects.bulk_create(batch, batch_size=5000)
        have_offences += len(batch)
    have_cases = Case.objects.filter(force=force).count()
    if have_cases < cases:
        offence_of = dict(Offence.objects.filter(force=force, person_id__in=person_ids[:cases])
                          .order_by("person_id", "id").distinct("person_id")
                          .values_list("person_id", "id")) if _postgres() else {
            p: o for p, o in Offence.objects.filter(force=force, person_id__in=person_ids[:cases])
            .order_by("-id").values_list("person_id", "id")}
        statuses = ["recorded", "referred", "in_progress", "completed", "completed", "completed",
                    "breached"]
        while have_cases < cases:
            batch = []
            for i in range(have_cases, min(have_cases + chunk, cases)):
                pid = person_ids[i]
                created = timezone.make_aware(datetime.combine(
                    today - timedelta(days=rng.randint(0, 3 * 365)), datetime.min.time()))
                batch.append(Case(
                    reference=f"BENCH{i:08d}", force=force, person_id=pid,
                    offence_id=offence_of[pid], programme_code=rng.choice(["CARA", "JUNO"]),
                    status=rng.choice(statuses), created_by=officer, created_at=created))
            with transaction.atomic():
                Case.objects.bulk_create(batch, batch_size=5000)
            have_cases += len(batch)
    delivered = _add_delivery(force, provider, officer, rng, today)
    print(f"delivery: {delivered:,} referrals given a caution, first contact and, when "
          "completed, an attended session and a questionnaire", file=out)
    print(f"data: {have_people:,} people, {have_offences:,} offences, {have_cases:,} cases in "
          f"the bench force ({time.perf_counter() - started:.1f} s to add what was missing)",
          file=out)
    return commissioner


def _add_delivery(force, provider, officer, rng, today) -> int:
    """Referrals, cautions, first contacts, attendance and post-workshop questionnaires for the
    bench cases past referral that have none yet, so the outcome measures have data to count.
    Made in bulk, not through the services."""
    from django.db import transaction
    from django.utils import timezone

    from diversion.cases.models import Case
    from diversion.delivery.models import (
        Attendance,
        Booking,
        ContactAttempt,
        QuestionnaireResponse,
        WorkshopEvent,
    )
    from diversion.disposals.models import Disposal, Referral

    todo = list(Case.objects.filter(force=force, referral__isnull=True,
                                    status__in=["referred", "in_progress", "completed",
                                                "breached"])
                .values_list("id", "status", "created_at", "programme_code"))
    if not todo:
        return 0
    event, _ = WorkshopEvent.objects.get_or_create(
        provider=provider, programme_code="cara", session_id="part_a", venue="Bench Hall",
        defaults={"starts_on": today - timedelta(days=30), "sex": "M", "capacity": 12,
                  "created_by": officer})
    with transaction.atomic():
        referrals, disposals, contacts, bookings, answers = [], [], [], [], []
        for case_id, status, created, programme in todo:
            caution = timezone.localdate(created)
            referrals.append(Referral(case_id=case_id, programme_code=programme.lower(),
                                      programme_version=1, provider=provider,
                                      referred_by=officer, referred_at=created,
                                      first_contact_due=caution + timedelta(days=14)))
            disposals.append(Disposal(
                case_id=case_id, regime="cja2003_conditional", disposal_date=caution,
                authorising_officer="Sgt Bench", authorising_rank="sergeant",
                deadline=caution + timedelta(weeks=16), time_limit_basis="s127",
                time_limit_explanation="bench", recorded_by=officer))
            if status != "referred":
                contacts.append(ContactAttempt(
                    case_id=case_id, made_on=caution + timedelta(days=rng.randint(1, 25)),
                    method="phone", outcome="contacted", recorded_by=officer))
            if status == "completed":
                bookings.append(Booking(case_id=case_id, event=event, session_id="part_a",
                                        booked_by=officer))
                answers.append(QuestionnaireResponse(
                    case_id=case_id, questionnaire_id="cara_post", programme_code="cara",
                    programme_version=1, raw_score=0, score=0, recorded_by=officer,
                    answers={"changed_attitude_partner": rng.randint(1, 5),
                             "changed_attitude_children": rng.randint(1, 5)}))
        Referral.objects.bulk_create(referrals, batch_size=5000)
        Disposal.objects.bulk_create(disposals, batch_size=5000)
        ContactAttempt.objects.bulk_create(contacts, batch_size=5000)
        made = Booking.objects.bulk_create(bookings, batch_size=5000)
        Attendance.objects.bulk_create(
            [Attendance(booking=b, outcome="attended", recorded_by=officer) for b in made],
            batch_size=5000)
        QuestionnaireResponse.objects.bulk_create(answers, batch_size=5000)
    return len(todo)


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(commissioner, requests: int, out=sys.stdout) -> dict[str, float]:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from diversion.commissioning import aggregates

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    rows = aggregates.refresh()
    print(f"aggregates: {rows:,} rows recomputed in {time.perf_counter() - started:.2f} s "
          "(the task queue's job; not part of a request)", file=out)

    client = Client()
    client.force_login(commissioner)
    # Both sign-in steps done, as for a real commissioner: the authenticator code's device is
    # what the second step leaves in the session.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (TOTPDevice.objects.filter(user=commissioner, confirmed=True).first()
              or TOTPDevice.objects.create(user=commissioner, name="Bench", confirmed=True))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    today = date.today()
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    dashboard_url = reverse("commissioning:dashboard")
    query = {"from_quarter": date(this_quarter.year - 2, this_quarter.month, 1).isoformat(),
             "to_quarter": this_quarter.isoformat()}
    trivial_url = reverse("statistics:list")
    # The dashboard's rendering is cached per office, filters and inputs' version, so a repeat
    # view is cheap; "cold" clears the cache first, as the first view after a recount is.
    series = (("dashboard_cold", dashboard_url, query, True),
              ("dashboard", dashboard_url, query, False),
              ("trivial", trivial_url, None, False))
    timings: dict[str, list[float]] = {name: [] for name, *_ in series}
    for _ in range(3):  # warm up both pages
        client.get(dashboard_url, query)
        client.get(trivial_url)
    for _ in range(requests):
        for name, url, params, cold in series:
            if cold:
                cache.clear()
            t0 = time.perf_counter()
            response = client.get(url, params)
            timings[name].append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    result = {}
    for name, values in timings.items():
        result[f"{name}_p50"] = statistics.median(values)
        result[f"{name}_p95"] = percentile(values, 0.95)
    result["ratio"] = result["dashboard_p95"] / result["trivial_p95"]
    result["ratio_cold"] = result["dashboard_cold_p95"] / result["trivial_p95"]
    print(f"requests: {requests} of each, interleaved, Django test client, same user",
          file=out)
    print(f"dashboard, cold (cache cleared; 8 quarters, all programmes): "
          f"p50 {result['dashboard_cold_p50']:.1f} ms, p95 {result['dashboard_cold_p95']:.1f} ms",
          file=out)
    print(f"dashboard, repeat view (cached rendering):                 "
          f"p50 {result['dashboard_p50']:.1f} ms, p95 {result['dashboard_p95']:.1f} ms", file=out)
    print(f"trivial page (/statistics/):                               "
          f"p50 {result['trivial_p50']:.1f} ms, p95 {result['trivial_p95']:.1f} ms", file=out)
    print(f"ratio dashboard p95 / trivial p95: cold {result['ratio_cold']:.2f}x, repeat view "
          f"{result['ratio']:.2f}x", file=out)
    for name, label in (("dashboard_cold", "cold"), ("dashboard", "repeat-view")):
        verdict = "within" if result[f"{name}_p95"] <= TARGET_MS else "OVER"
        print(f"{label} dashboard p95 is {verdict} the {TARGET_MS:.0f} ms target", file=out)
    return result


def main(argv: list[str] | None = None, out=sys.stdout) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offences", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=None, help="default 200 (20 with --small)")
    parser.add_argument("--small", action="store_true",
                        help="2,000 offences, 300 cases, 20 requests: a quick check")
    args = parser.parse_args(argv)
    if args.small:
        args.offences, args.cases = 2000, 300
    if args.requests is None:
        args.requests = 20 if args.small else 200
    from django.db import connection

    print(f"database: {connection.vendor}", file=out)
    commissioner = scale_up(args.offences, args.cases, out=out)
    return measure(commissioner, args.requests, out=out)


if __name__ == "__main__":
    setup_django()
    main()
