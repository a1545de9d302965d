"""Permuted blocks with concealed random block sizes. Pure Python, no Django.

A block holds each arm `ratio[i] * m` times, where the multiple `m` is drawn at random from
`multiples` for every new block, so no one can predict the last allocations of a block from
its size. Draws use the operating system's CSPRNG (secrets), never a seeded generator.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from random import Random

_SYSTEM = secrets.SystemRandom()


def make_block(arms: Sequence[str], ratio: Sequence[int], multiples: Sequence[int],
               rng: Random | None = None) -> list[str]:
    if len(arms) != len(ratio) or not arms:
        raise ValueError("one ratio part per arm is needed")
    rng = rng or _SYSTEM
    multiple = rng.choice(list(multiples))
    block = [arm for arm, part in zip(arms, ratio, strict=True) for _ in range(part * multiple)]
    rng.shuffle(block)
    return block


def stratum_key(strata: Sequence[str], facts: Mapping[str, object]) -> str:
    """A stable label for the stratum, e.g. "dash_risk=standard" ("-" when none)."""
    if not strata:
        return "-"
    return "|".join(f"{name}={facts.get(name)}" for name in strata)
