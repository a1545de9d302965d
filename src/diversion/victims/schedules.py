"""Follow-up points per programme, read from the programme definition files (programmes app).

Each point: (code, label, months after the case's programme ends, or None for "during").
"""

from __future__ import annotations

from diversion.programmes import registry

DEFAULT_PROGRAMME = "cara"  # a case not yet referred is followed up on CARA's points


def follow_up_points(programme_code: str) -> tuple[tuple[str, str, int | None], ...]:
    """The follow-up points of the case's programme (CARA's when the case has none yet)."""
    try:
        definition = registry.current((programme_code or DEFAULT_PROGRAMME).lower())
    except KeyError:
        definition = registry.current(DEFAULT_PROGRAMME)
    return tuple((point.id, point.label, point.months_after)
                 for point in definition.victim_follow_ups)


def point_label(programme_code: str, code: str) -> str:
    return dict((c, label) for c, label, _ in follow_up_points(programme_code)).get(code, code)
