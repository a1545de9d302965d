"""Load benchmark: every role's main pages through gunicorn on PostgreSQL, driven by locust.

    . production.env   # DIVERSION_ENV=production, keys, DATABASE_URL=postgres://..., as served
    make production-setup && .venv/bin/python manage.py demo_data
    .venv/bin/python bench/load.py                  # the load model below, 3 minutes
    .venv/bin/python bench/load.py --scale 0.1 --seconds 30   # a quick look

Load model (security.md 28: three times the expected staff peak). A national deployment's
expected peak is about 100 people at once: 40 police decision makers, 25 provider staff, 15
victim workers, 8 analysts, 6 commissioners' staff and 6 auditors. The benchmark runs three
times that, 300 simulated people, each signed in as their own account (password, then the
two-step code) and then reading a page every 20 to 40 seconds (uniform: people read and type
between pages), so about 10 pages a second, 600 a minute, for a fixed time after all have
signed in (they start at 0.5 a second: Argon2 makes each password check cost about a CPU
second, so a faster rush measures the hashing, not the pages). The pages per role:

    police:        work queue (2) -> case page (4)
    provider:      referral queue (2) -> case page (2), events (2) -> an event's register (2)
    victim worker: victims list (2) -> a victim's page (2)
    analyst:       evaluation list (2) -> an evaluation report (4)
    commissioner:  performance dashboard (2)
    auditor:       processing-log search by user (2), by operation (2)
    everyone:      the accessibility statement (1), a trivial page: the baseline

Each simulated person is a user `load.<demo user>.<n>` in the demo user's organisation and role,
with the demo password and the demo authenticator key (made once, reused on later runs), so a
used two-step code is never reused: one sign-in per account per run.

The server is gunicorn with src/diversion/gunicorn_conf.py (cores + 1 processes x 4 threads),
serving TLS itself with a throwaway certificate, because production cookies are Secure; in
production a proxy terminates TLS instead. The same machine runs locust, PostgreSQL and the
server, so the load average is printed with the results.

Prints p50/p95/p99 and errors per page, for all pages together and for the sign-in steps
(Argon2 makes a password check slow on purpose, so sign-in is not a page in the goal); the last
line is the headline: the pages' p95 against the 300 ms goal and the error count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 300.0
# Demo user to clone, simulated people at the expected peak.
PEAK = {"sgt.okafor": 40, "facilitator.hughes": 25, "idva.morgan": 15,
        "analyst.lindqvist": 8, "commissioner.adeyemi": 6, "auditor.fischer": 6}
JOURNEY = {"sgt.okafor": "Police", "facilitator.hughes": "Provider", "idva.morgan": "Victims",
           "analyst.lindqvist": "Analyst", "commissioner.adeyemi": "Commissioner",
           "auditor.fischer": "Auditor"}
BASELINE = "baseline: accessibility statement"
SIGN_IN = ("sign-in: password", "sign-in: code")  # their form pages are "... (form)"


# --- the orchestrator (no gevent here): users, certificate, server, then the driver ----------

def make_load_users(counts: dict[str, int]) -> None:
    """Users load.<demo>.<n> like each demo user, with its password and authenticator key."""
    import django

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")
    django.setup()
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from diversion.accounts.models import User

    with transaction.atomic():
        for demo_name, count in counts.items():
            demo = User.objects.get(username=demo_name)
            device = TOTPDevice.objects.get(user=demo, confirmed=True)
            for n in range(count):
                user, created = User.objects.get_or_create(
                    username=f"load.{demo_name}.{n}",
                    defaults={"first_name": "Load", "last_name": f"Tester {n}",
                              "role": demo.role, "organisation": demo.organisation,
                              "password": demo.password, "email": f"load{n}@example.org"})
                if created:
                    TOTPDevice.objects.create(user=user, name="Load test", key=device.key,
                                              confirmed=True)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1; the certificate file can also serve
    as a client's CA (the tests' servers verify against it)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    # Imported here: the driver's gevent must patch ssl before anything imports it.
    import ssl
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own throwaway certificate
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped at start-up (see its log above)")
        try:
            with urllib.request.urlopen(url + "/health/", timeout=30,  # noqa: S310
                                        context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within 120 seconds")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def server_health(error_log: Path) -> str:
    """What the server itself says about dropped connections: dropped connections at the client
    ("Remote end closed connection", TLS "EOF occurred in violation of protocol") are a
    gunicorn process killed by its arbiter, whose in-flight and queued connections die with it,
    or the database refusing connections (README, Sizing). Counted so a run says which."""
    import django

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diversion.settings")
    django.setup()
    from django.db import connection

    from diversion import gunicorn_conf

    text = error_log.read_text(errors="replace") if error_log.exists() else ""
    killed = text.count("WORKER TIMEOUT")
    refused = text.count("too many clients") + text.count("remaining connection slots")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    used = gunicorn_conf.workers * gunicorn_conf.threads
    return (f"server: {killed} worker processes killed by the {gunicorn_conf.timeout} s timeout, "
            f"{refused} database connection refusals; {gunicorn_conf.workers} processes x "
            f"{gunicorn_conf.threads} threads = up to {used} database connections of "
            f"max_connections {limit} (error log: {error_log})")


def report(samples: list[tuple[str, float, bool]], seconds: float, users: int,
           load_before: tuple[float, float, float]) -> list[str]:
    by_name: dict[str, list[tuple[float, bool]]] = {}
    for name, ms, failed in samples:
        by_name.setdefault(name, []).append((ms, failed))
    lines = [f"{'page':<40} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
             f"{'p99 ms':>8}"]

    def row(label: str, rows: list[tuple[float, bool]]) -> str:
        times = [ms for ms, _ in rows]
        errors = sum(1 for _, failed in rows if failed)
        return (f"{label:<40} {len(rows):>8} {errors:>6} {percentile(times, .5):>8.0f} "
                f"{percentile(times, .95):>8.0f} {percentile(times, .99):>8.0f}")

    pages = [r for name, rows in by_name.items()
             if not name.startswith("sign-in") and name != BASELINE for r in rows]
    baseline = by_name.get(BASELINE, [])
    sign_in = [r for name, rows in by_name.items() if name.startswith("sign-in") for r in rows]
    for name in sorted(by_name):
        lines.append(row(name, by_name[name]))
    lines.append(row("ALL PAGES (sign-in, baseline excluded)", pages))
    lines.append(row("ALL SIGN-IN STEPS", sign_in))
    load_after = os.getloadavg()
    lines.append(f"{users} simulated people, {len(pages)} pages in {seconds:.0f} s "
                 f"({len(pages) / seconds * 60:.0f} pages a minute); load average (1, 5, 15 "
                 f"min) before {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}, "
                 f"after {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f} on "
                 f"{os.cpu_count()} cores")
    p95 = percentile([ms for ms, _ in pages], .95)
    floor = percentile([ms for ms, _ in baseline], .95)
    lines.append(f"pages p95 / baseline p95 = {p95:.0f} / {floor:.0f} ms = {p95 / floor:.1f}: "
                 "what the pages cost beyond the machine's delay at this load")
    errors = sum(1 for _, failed in pages + sign_in if failed)
    lines.append(f"pages p95 {p95:.0f} ms vs the {GOAL_MS:.0f} ms goal: ratio "
                 f"{p95 / GOAL_MS:.2f} (<= 1 meets it); errors {errors}")
    return lines


def orchestrate(args: argparse.Namespace) -> None:
    if os.environ.get("DIVERSION_ENV") != "production" or not os.environ.get(
            "DATABASE_URL", "").startswith("postgres"):
        sys.exit("Run with the production environment set (DIVERSION_ENV=production, keys, "
                 "DATABASE_URL=postgres://...), after make production-setup and demo_data")
    counts = {name: max(1, round(n * args.multiplier * args.scale)) for name, n in PEAK.items()}
    make_load_users(counts)
    work = Path(tempfile.mkdtemp(prefix="diversion-load-"))
    cert, key = make_certificate(work)
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = dict(os.environ)
    env["ALLOWED_HOSTS"] = ",".join({*env.get("ALLOWED_HOSTS", "").split(","), "127.0.0.1"} - {""})
    access_log, error_log = work / "access.log", work / "error.log"
    server = subprocess.Popen(  # noqa: S603 (our own argv)
        [sys.executable, "-m", "gunicorn", "-c", "python:diversion.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--certfile", str(cert), "--keyfile", str(key),
         "--access-logfile", str(access_log), "--error-logfile", str(error_log),
         "--capture-output",  # the app's own log (a refused database connection) too
         "diversion.wsgi"], cwd=ROOT, env=env)
    try:
        wait_until_up(url, server)
        out = work / "samples.json"
        load_before = os.getloadavg()
        print(f"Driving {sum(counts.values())} simulated people against {url} for "
              f"{args.seconds} s after sign-in ...", flush=True)
        subprocess.run(  # noqa: S603 (our own argv)
            [sys.executable, __file__, "--drive", "--host", url, "--seconds", str(args.seconds),
             "--spawn-rate", str(args.spawn_rate),
             "--counts", json.dumps(counts), "--out", str(out)], check=True, env=env)
        data = json.loads(out.read_text())
    finally:
        server.terminate()
        server.wait(timeout=60)
    lines = report([tuple(s) for s in data["samples"]], data["seconds"], sum(counts.values()),
                   load_before)
    lines.insert(0, f"bench/load.py {dt.date.today()} (server access log: {access_log})")
    lines.insert(-2, server_health(error_log))
    for kind, count in sorted(data.get("errors", {}).items(), key=lambda item: -item[1])[:15]:
        lines.insert(-2, f"  error x{count}: {kind}")
    print("\n".join(lines))


# --- the driver (locust, gevent): runs in its own process ----------------------------------

def drive(args: argparse.Namespace) -> None:
    from locust import HttpUser, between  # first: it patches ssl and sockets for gevent
    from locust.env import Environment  # isort: skip
    from locust.exception import StopUser  # isort: skip

    import gevent  # isort: skip
    import urllib3  # isort: skip

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    counts: dict[str, int] = json.loads(args.counts)
    samples: list[tuple[str, float, bool]] = []
    errors: dict[str, int] = {}
    state = {"measuring": False, "signed_in": 0}
    import base64
    import itertools
    import random
    import re

    from django_otp.oath import totp

    from diversion.demo.organisations import DEMO_AUTHENTICATOR_KEY, DEMO_PASSWORD

    key = base64.b32decode(DEMO_AUTHENTICATOR_KEY)
    numbers = {name: itertools.count() for name in counts}

    def on_request(request_type, name, response_time, response_length, exception=None,
                   **kwargs):
        if state["measuring"] or name.startswith("sign-in"):
            samples.append((name, float(response_time), exception is not None))
            if exception is not None:
                kind = f"{name}: {str(exception)[:100]}"
                errors[kind] = errors.get(kind, 0) + 1

    class Person(HttpUser):
        abstract = True
        demo = ""
        wait_time = between(20, 40)

        def on_start(self) -> None:
            self.client.verify = False
            self.links: dict[str, list[str]] = {}
            # Wraps round if locust replaces a person; a used code then waits for the next step.
            self.username = f"load.{self.demo}.{next(numbers[self.demo]) % counts[self.demo]}"
            try:
                self.sign_in()
            except RuntimeError:
                raise StopUser() from None  # gave up: its failed requests are counted
            finally:
                state["signed_in"] += 1
            gevent.sleep(random.uniform(0, 20))  # spread the first pages over the think time

        def post_form(self, path: str, fields: dict[str, str], name: str):
            page = self.client.get(path, name=name + " (form)")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if token is None:
                # The form did not arrive (its error is counted): posting without a token would
                # only add a 403 for the same failure (the 3x run of 2026-12-07 counted each twice).
                return page
            return self.client.post(path, name=name, headers={"Referer": self.host + path},
                                    data={"csrfmiddlewaretoken": token.group(1), **fields})

        def sign_in(self) -> None:
            for _ in range(3):  # a failed request (counted as an error) is tried again
                answer = self.post_form("/sign-in/", {"username": self.username,
                                                      "password": DEMO_PASSWORD}, SIGN_IN[0])
                if answer.url and "/sign-in/code/" in answer.url:
                    break
                gevent.sleep(5)
            for _ in range(3):  # a code already used this 30-second step waits for the next
                code = f"{totp(key, step=30, digits=6):06d}"
                answer = self.post_form("/sign-in/code/", {"code": code}, SIGN_IN[1])
                if answer.url and "/sign-in" not in answer.url:
                    return
                gevent.sleep(30 - time.time() % 30 + 1)
            raise RuntimeError(f"{self.username} could not sign in")

        def page(self, path: str, name: str, pattern: str | None = None) -> None:
            with self.client.get(path, name=name, catch_response=True) as response:
                if not response.url:
                    response.failure("no answer")
                elif "/sign-in" in response.url:
                    response.failure("signed out")
                elif response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                elif pattern:
                    self.links[pattern] = re.findall(pattern, response.text) or \
                        self.links.get(pattern, [])

        def follow(self, source: str, source_name: str, pattern: str, name: str) -> None:
            if not self.links.get(pattern):
                self.page(source, source_name, pattern)
            if self.links.get(pattern):
                self.page(random.choice(self.links[pattern]), name)

    def person(demo: str, tasks: dict) -> type:
        # The baseline: a trivial page (no query of the data) read now and then by everyone, so
        # the machine's own delay under this load shows beside each page's.
        tasks = {**tasks, (lambda u: u.page("/accessibility/", BASELINE)): 1}
        return type(f"Load_{demo.replace('.', '_')}", (Person,),
                    {"demo": demo, "fixed_count": counts[demo], "tasks": tasks})

    police_case = r'href="(/police/cases/\d+/)"'
    provider_case = r'href="(/provider/case/\d+/)"'
    event = r'href="(/provider/events/\d+/register/)"'
    victim, run = r'href="(/victims/\d+/)"', r'href="(/analysis/runs/\d+/)"'
    users = [
        person("sgt.okafor", {
            lambda u: u.page("/police/", "police: work queue", police_case): 2,
            lambda u: u.follow("/police/", "police: work queue", police_case,
                                    "police: case page"): 4}),
        person("facilitator.hughes", {
            lambda u: u.page("/provider/", "provider: referral queue", provider_case): 2,
            lambda u: u.follow("/provider/", "provider: referral queue", provider_case,
                                    "provider: case page"): 2,
            lambda u: u.page("/provider/events/", "provider: workshop events", event): 2,
            lambda u: u.follow("/provider/events/", "provider: workshop events", event,
                                    "provider: event register"): 2}),
        person("idva.morgan", {
            lambda u: u.page("/victims/", "victims: list", victim): 2,
            lambda u: u.follow("/victims/", "victims: list", victim,
                                    "victims: victim page"): 2}),
        person("analyst.lindqvist", {
            lambda u: u.page("/analysis/", "analyst: evaluations", run): 2,
            lambda u: u.follow("/analysis/", "analyst: evaluations", run,
                                    "analyst: evaluation report"): 4}),
        person("commissioner.adeyemi", {
            lambda u: u.page("/commissioning/dashboard/", "commissioner: dashboard"): 2}),
        person("auditor.fischer", {
            lambda u: u.page("/audit/?purpose=lawfulness&username=sgt.okafor",
                                  "auditor: log search by user"): 2,
            lambda u: u.page("/audit/?purpose=integrity_security&operation=disclosure",
                                  "auditor: log search by operation"): 2}),
    ]
    environment = Environment(user_classes=users, host=args.host)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    total = sum(counts.values())
    runner.start(total, spawn_rate=args.spawn_rate)
    deadline = time.monotonic() + 600
    while state["signed_in"] < total and time.monotonic() < deadline:
        gevent.sleep(1)
    state["measuring"] = True
    started = time.monotonic()
    gevent.sleep(args.seconds)
    state["measuring"] = False
    runner.quit()
    Path(args.out).write_text(json.dumps(
        {"samples": samples, "errors": errors, "seconds": time.monotonic() - started}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="measured time after sign-in")
    parser.add_argument("--multiplier", type=float, default=3.0,
                        help="times the expected peak (security.md 28 asks for 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink for a quick look")
    parser.add_argument("--spawn-rate", type=float, default=0.5,
                        help="people starting (signing in) per second")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--counts", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
