"""Follow-up points per programme, as data (the programmes app will own these definitions).

Each point: (code, label, months after the case's programme ends, or None for "during").
"""

from __future__ import annotations

FOLLOW_UP_SCHEDULES: dict[str, tuple[tuple[str, str, int | None], ...]] = {
    "CARA": (
        ("during_workshops", "During the workshops", None),
        ("3_months", "3 months after the workshops", 3),
        ("12_months", "12 months after the workshops", 12),
    ),
    "JUNO": (
        ("during_sessions", "During the sessions", None),
        ("3_months", "3 months after the sessions", 3),
        ("12_months", "12 months after the sessions", 12),
    ),
}
DEFAULT_PROGRAMME = "CARA"


def follow_up_points(programme_code: str) -> tuple[tuple[str, str, int | None], ...]:
    """The follow-up points for a case's programme (CARA's when the case has none yet)."""
    return FOLLOW_UP_SCHEDULES.get((programme_code or DEFAULT_PROGRAMME).upper(),
                                   FOLLOW_UP_SCHEDULES[DEFAULT_PROGRAMME])


def point_label(programme_code: str, code: str) -> str:
    return dict((c, label) for c, label, _ in follow_up_points(programme_code)).get(code, code)
