"""Configuration from the environment, production checks and security headers."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DATABASE_URL", "DIVERSION_ENV", "DEBUG", "SECRET_KEY",
                                "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(env)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args],
                          capture_output=True, text=True, env=environment, timeout=timeout)


@pytest.mark.parametrize("variable, value", [
    ("DATABASE_URL", "mysql://nope"),
    ("DATABASE_URL", "postgres://"),
    ("DATABASE_URL", "not a url at all"),
    ("DEBUG", "maybe"),
    ("DIVERSION_ENV", "staging"),
    ("AXES_FAILURE_LIMIT", "five"),
    ("CACHE_URL", "memcached://127.0.0.1:11211"),
    ("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
    ("DATABASE_PGBOUNCER", "maybe"),
    ("DIVERSION_BACKUP_KEYS", "too-short"),
    ("DIVERSION_BACKUP_KEYS", "ZGV2LW9ubHktZGl2ZXJzaW9uLWZpZWxkLWtleS0wMDA="),  # the field key
    ("DIVERSION_CLAMD", "http://clamav:3310"),
    ("DIVERSION_CLAMD", "tcp://clamav"),  # no port
    ("DIVERSION_CLAMD", "unix://relative/clamd.ctl"),
    ("DIVERSION_CLAMD_TIMEOUT", "0"),
])
def test_malformed_settings_stop_start_up_with_one_line_naming_the_variable(variable, value):
    result = _manage("check", **{variable: value})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "Traceback" not in result.stderr


def test_behind_pgbouncer_no_server_side_cursors_are_used():
    show = ("from django.conf import settings; "
            "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))")
    assert _manage("shell", "--no-imports", "-c", show,
                   DATABASE_PGBOUNCER="true").stdout.strip() == "True"
    assert _manage("shell", "--no-imports", "-c", show).stdout.strip() == "False"


def test_production_needs_a_real_secret_key():
    result = _manage("check", DIVERSION_ENV="production", ALLOWED_HOSTS="x.example.org",
                     DEBUG="false", SECRET_KEY="short")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


PRODUCTION = {"DIVERSION_ENV": "production", "DEBUG": "false",
              "ALLOWED_HOSTS": "diversion.example.org",
              "SECRET_KEY": "k" * 30 + "-test-only-" + "z" * 30,
              "DIVERSION_FIELD_KEYS": "Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk=",
              "DIVERSION_LOG_KEYS": "check-deploy-only-processing-log-key-0123456789",
              "DIVERSION_CLAMD": "unix:///run/clamav/clamd.ctl"}


@pytest.fixture(scope="session")
def production_static(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The static files as `make production-setup` collects them, once for the whole run.

    Production compresses every file (WhiteNoise, Brotli), about 20 CPU seconds: collected
    per test it timed out on a loaded CI machine. The xdist workers share one copy under a lock.
    """
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    target = shared / "production-static"
    with open(shared / "production-static.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".collected").exists():
            collected = _manage("collectstatic", "--noinput", "--clear", timeout=900,
                                **PRODUCTION, DIVERSION_STATIC_ROOT=str(target))
            assert collected.returncode == 0, collected.stderr
            (target / ".collected").touch()
    return target


def test_check_deploy_reports_nothing_in_production_mode(production_static):
    static = {"DIVERSION_STATIC_ROOT": str(production_static)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **static)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_virus_scanner_fails_the_deployment_check(production_static):
    static = {"DIVERSION_STATIC_ROOT": str(production_static)}
    unscanned = {**PRODUCTION, "DIVERSION_CLAMD": ""}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **unscanned, **static)
    assert result.returncode != 0
    assert "diversion.W020" in result.stderr and "not scanned for viruses" in result.stderr
    # A warning, not an error: the app still starts (and development never warns).
    assert _manage("check", **unscanned, **static).returncode == 0
    assert "W020" not in _manage("check", "--deploy").stderr


def test_production_refuses_to_start_before_the_static_files_are_collected(tmp_path):
    result = _manage("check", **PRODUCTION, DIVERSION_STATIC_ROOT=str(tmp_path / "empty"))
    assert result.returncode != 0
    assert "Static files have not been collected" in result.stderr
    assert "make production-setup" in result.stderr


_SERVE = """
import django
from django.test import Client
django.setup()
response = Client().get("/assets/govuk/govuk-frontend.min.css", secure=True,
                        HTTP_HOST="diversion.example.org")
print(response.status_code, response["Content-Type"])
"""


def test_after_the_production_set_up_the_app_serves_its_own_styles(production_static):
    static = {"DIVERSION_STATIC_ROOT": str(production_static),
              "DJANGO_SETTINGS_MODULE": "diversion.settings", "PYTHONPATH": str(ROOT / "src")}
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    served = subprocess.run([sys.executable, "-c", _SERVE], capture_output=True, text=True,
                            env={**environment, **PRODUCTION, **static}, timeout=120)
    assert served.stdout.split() == ["200", "text/css;", "charset=\"utf-8\""], served.stderr


def test_security_headers_on_every_page(cast, client):
    client.force_login(cast.users[Role.DECISION_MAKER])
    for url in [reverse("accounts:login"), reverse("cases:home"), reverse("accounts:privacy")]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                          "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert response["Cache-Control"] == "no-store, private"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert len(response["X-Request-ID"]) == 32


def test_no_inline_script_in_pages(cast, client):
    client.force_login(cast.users[Role.ADMINISTRATOR])
    for url in [reverse("accounts:login"), reverse("administration:user_list")]:
        page = client.get(url).content.decode()
        for chunk in page.split("<script")[1:]:
            assert chunk.lstrip().startswith(("src=", "type=\"module\" src=")), chunk[:80]


def test_assets_are_served_by_the_app(client):
    for path in ("/assets/govuk/govuk-frontend.min.css", "/assets/moj/moj-frontend.min.css",
                 "/assets/fonts/bold-b542beb274-v2.woff2", "/assets/js/app.mjs"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_health_check_opens_a_fresh_connection(db, client):
    assert client.get(reverse("accounts:health")).json() == {"status": "ok"}
