"""Reading settings from the environment, failing with one line that names the variable."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from urllib.parse import urlsplit

import dj_database_url


class SettingsError(SystemExit):
    """A malformed environment variable: stops start-up with a one-line message."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Configuration error: {name} {problem}")


def text(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise SettingsError(name, "must be set")
    return value


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(name, f"must be true or false, not {raw!r}")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(name, f"must be a whole number, not {raw!r}") from None


def iso_date(name: str, default: str):
    """A date written YYYY-MM-DD ."""
    from datetime import date

    raw = os.environ.get(name) or default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(name, f"must be a date written YYYY-MM-DD, not {raw!r}") from None


def csv_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def networks(name: str, default: str = "") -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDR networks (`10.0.0.0/8, 2001:db8::1`)."""
    found = []
    for item in csv_list(name, default):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(
                name, f"must list IP addresses or networks like 10.0.0.0/8, not {item!r}") from None
    return found


def cache(name: str, table: str) -> dict:
    """The default cache, shared by every app server and the task worker: a table in the
    database unless `name` holds a redis:// address (Django's own Redis backend)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table,
                "OPTIONS": {"MAX_ENTRIES": 10_000}}
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(name, "must start with redis://, rediss:// or unix://")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw,
            "KEY_PREFIX": "diversion"}


def clamd_address(raw: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
    """`unix:///run/clamav/clamd.ctl` or `tcp://host:3310` as a socket family and address;
    ValueError for anything else."""
    parts = urlsplit(raw.strip())
    if parts.scheme == "unix" and not parts.netloc and parts.path.startswith("/"):
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and not parts.path.strip("/"):
        try:
            port = parts.port
        except ValueError:
            port = None
        if port:
            return socket.AF_INET, (parts.hostname, port)
    raise ValueError("must be unix:///path/to/clamd.ctl or tcp://host:port")


def clamd(name: str) -> str:
    """The ClamAV daemon's address, checked at start-up; empty when unset (no scanning)."""
    raw = os.environ.get(name, "").strip()
    if raw:
        try:
            clamd_address(raw)
        except ValueError as exc:
            raise SettingsError(name, f"{exc}, not {raw!r}") from None
    return raw


# Writers take the lock when their transaction begins, so appends to the processing log's hash
# chain are serialised and a read-then-write never fails with "database is locked".
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}

SUPPORTED_ENGINES = {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}


def database(name: str, default_sqlite_path: str) -> dj_database_url.DBConfig:
    """Parse DATABASE_URL: PostgreSQL in production, an embedded SQLite file by default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path,
                "OPTIONS": SQLITE_OPTIONS}
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise SettingsError(
            name, f"is not a valid database URL ({exc.__class__.__name__})") from None
    if config.get("ENGINE") not in SUPPORTED_ENGINES:
        raise SettingsError(name, "must start with postgres:// or sqlite:///")
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise SettingsError(name, "must name a database, like postgres://user@host:5432/diversion")
    if config["ENGINE"].endswith("sqlite3"):
        config.pop("CONN_MAX_AGE", None)
        config.pop("CONN_HEALTH_CHECKS", None)
        config["OPTIONS"] = SQLITE_OPTIONS
    return config


def running_tests() -> bool:
    return "pytest" in sys.modules
