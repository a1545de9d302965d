"""Change in a questionnaire score from the start to the end of a programme, per person.

The programme file says which questionnaires pair up and what change is meaningful
(`outcome_measures` with `start_questionnaire`, `end_questionnaire`, `meaningful_change`; for
JUNO, SWEMWBS metric scores and 3 points). Aggregates of change are the engine's
(reoffending.change); this module only pairs one person's two scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from diversion.programmes.schema import OutcomeMeasure, ProgrammeDefinition

IMPROVED, WORSENED, NO_CHANGE, NO_END, NO_START = (
    "improved", "worsened", "no_meaningful_change", "no_end_score", "no_start_score")
WORDS = {IMPROVED: "Improved by a meaningful amount",
         WORSENED: "Worsened by a meaningful amount",
         NO_CHANGE: "No meaningful change",
         NO_END: "No end score yet", NO_START: "No start score"}


@dataclass(frozen=True)
class PersonChange:
    measure: OutcomeMeasure
    start: Decimal | None
    end: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return None if self.start is None or self.end is None else self.end - self.start

    @property
    def category(self) -> str:
        change = self.change
        if self.start is None:
            return NO_START
        if change is None:
            return NO_END
        meaningful = Decimal(str(self.measure.meaningful_change or 0))
        if meaningful and change >= meaningful:
            return IMPROVED
        if meaningful and change <= -meaningful:
            return WORSENED
        return NO_CHANGE

    @property
    def words(self) -> str:
        return WORDS[self.category]


def changes(definition: ProgrammeDefinition, scores: dict[str, Decimal]) -> list[PersonChange]:
    """One row per change measure of the programme, from {questionnaire id: score}."""
    return [PersonChange(m, scores.get(m.start_questionnaire or ""),
                         scores.get(m.end_questionnaire or ""))
            for m in definition.change_measures()]
