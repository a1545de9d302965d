"""Load programme definitions from YAML files; a bad file fails with its name, field and problem.

Definitions live in `definitions/` (one file per programme version, e.g. cara-v1.yaml). Adding
a programme is adding a file: no code changes. `DIVERSION_PROGRAMME_DIRS` (settings) may list
more directories.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from pydantic import ValidationError

from diversion.programmes.schema import ProgrammeDefinition

BUILT_IN = Path(__file__).resolve().parent / "definitions"


class DefinitionError(ValueError):
    """A programme definition file is malformed; the message names file, field and problem."""


def load_file(path: Path) -> ProgrammeDefinition:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DefinitionError(
            f"{path.name}: must be a mapping of fields, not {type(raw).__name__}")
    try:
        definition = ProgrammeDefinition.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors())
        raise DefinitionError(f"{path.name}: {problems}") from None
    expected = f"{definition.code}-v{definition.version}"
    if path.stem != expected:
        raise DefinitionError(
            f"{path.name}: field code/version: file must be named {expected}.yaml")
    return definition


def directories() -> list[Path]:
    return [BUILT_IN, *(Path(d) for d in getattr(settings, "DIVERSION_PROGRAMME_DIRS", []))]


def load_all(dirs: list[Path] | None = None) -> list[ProgrammeDefinition]:
    """Every definition, by code then version. Raises DefinitionError on the first bad file."""
    found: dict[tuple[str, int], ProgrammeDefinition] = {}
    for directory in dirs if dirs is not None else directories():
        for path in sorted(Path(directory).glob("*.yaml")):
            definition = load_file(path)
            key = (definition.code, definition.version)
            if key in found:
                raise DefinitionError(f"{path.name}: field code/version: {key} is defined twice")
            found[key] = definition
    return sorted(found.values(), key=lambda d: (d.code, d.version))


@cache
def _cached() -> tuple[ProgrammeDefinition, ...]:
    return tuple(load_all())


def clear_cache() -> None:
    _cached.cache_clear()


def all_definitions() -> tuple[ProgrammeDefinition, ...]:
    return _cached()


def current(code: str) -> ProgrammeDefinition:
    """The latest version of a programme."""
    versions = [d for d in _cached() if d.code == code]
    if not versions:
        raise KeyError(f"no programme {code!r}")
    return versions[-1]


def get(code: str, version: int) -> ProgrammeDefinition:
    for definition in _cached():
        if definition.code == code and definition.version == version:
            return definition
    raise KeyError(f"no programme {code!r} version {version}")


def choices() -> list[tuple[str, str]]:
    latest = {d.code: d for d in _cached()}
    return [(code, d.name) for code, d in sorted(latest.items())]
