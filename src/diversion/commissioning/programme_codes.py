"""The programmes commissioning knows, read from the loaded programme files (no fixed list).

Commissioning keys a programme by its file's code in capitals (`cara` is stored as `CARA` in
contracts, aggregates, summaries and release snapshots, as it always has been), so a new file
appears in every contract form, filter and table with no code change and stored rows keep
their values."""

from __future__ import annotations

from diversion.programmes import registry


def key(code: str) -> str:
    """Commissioning's key for a programme file's code (`cara` -> `CARA`)."""
    return code.upper()


def choices() -> list[tuple[str, str]]:
    """(key, name) of every loaded programme, in code order."""
    return [(key(code), name) for code, name in registry.choices()]


def keys() -> list[str]:
    return [k for k, _ in choices()]


def is_known(value: str) -> bool:
    return value in keys()
