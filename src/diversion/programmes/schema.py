"""The shape of a programme definition file, checked with pydantic when the file loads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Operator = Literal["equals", "in", "not_in", "min", "max"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(_Strict):
    sexes: list[Literal["M", "F", "X"]] = Field(min_length=1)
    min_age: int = Field(ge=10, le=120)
    description: str = Field(min_length=1)


class RuleSpec(_Strict):
    """One eligibility rule: compare one fact about the case with a value."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)
    fact: str = Field(min_length=1)
    operator: Operator
    value: Any

    @model_validator(mode="after")
    def _value_fits_operator(self) -> RuleSpec:
        if self.operator in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"operator {self.operator!r} needs a list value")
        if self.operator in ("min", "max") and not isinstance(self.value, int | float):
            raise ValueError(f"operator {self.operator!r} needs a number value")
        return self


class Session(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["group", "one_to_one"]
    hours: float = Field(gt=0, le=12)
    after: str | None = None
    min_weeks_after: int | None = Field(default=None, ge=0)
    max_weeks_after: int | None = Field(default=None, ge=0)


class QuestionItem(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)


class AnswerOption(_Strict):
    value: int
    label: str = Field(min_length=1)


class Questionnaire(_Strict):
    """A questionnaire from the programme data; `scoring` says how a response is scored.

    "sum": the raw total of the answer values. "conversion": the raw total looked up in
    `conversion` (raw total -> published metric score, e.g. SWEMWBS).
    """

    id: str
    name: str
    when: str
    items: list[QuestionItem] = Field(default_factory=list)
    options: list[AnswerOption] = Field(default_factory=list)
    scoring: Literal["sum", "conversion"] = "sum"
    conversion: dict[int, float] = Field(default_factory=dict)
    required_for_completion: bool = False

    @model_validator(mode="after")
    def _scorable(self) -> Questionnaire:
        if self.items and not self.options:
            raise ValueError(f"questionnaire {self.id!r} has items but no answer options")
        if self.scoring == "conversion" and self.items and self.options:
            values = [option.value for option in self.options]
            low, high = min(values) * len(self.items), max(values) * len(self.items)
            missing = [raw for raw in range(low, high + 1) if raw not in self.conversion]
            if missing:
                raise ValueError(f"questionnaire {self.id!r}: conversion table lacks raw "
                                 f"totals {missing}")
        return self


class AssessmentDomain(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)


class VictimFollowUp(_Strict):
    """A point at which victim workers contact the victim (None months: during the programme)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    label: str = Field(min_length=1)
    months_after: int | None = Field(default=None, ge=0, le=60)


class OneToOnes(_Strict):
    """One-to-one sessions a practitioner holds with the person besides the booked sessions
    (JUNO's trauma-informed support). Each is recorded on the provider case page as held, did
    not attend or cancelled by the provider.

    `expected`: how many the programme plans; `required_held`: how many must be held before
    the case can complete (0: they do not count towards completion); `minutes` and
    `max_minutes`: the usual and the longest length; `missed_is_breach`: whether a one-to-one
    the person did not attend is non-compliance (the case goes back to police), as a missed
    booked session is.
    """

    name: str = Field(default="One-to-one session", min_length=1)
    expected: int = Field(ge=1, le=50)
    required_held: int = Field(default=0, ge=0)
    minutes: int = Field(default=60, ge=5, le=480)
    max_minutes: int = Field(default=180, ge=5, le=480)
    missed_is_breach: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> OneToOnes:
        if self.required_held > self.expected:
            raise ValueError("required_held cannot be more than expected")
        if self.minutes > self.max_minutes:
            raise ValueError("minutes cannot be more than max_minutes")
        return self

    @property
    def counts_towards_completion(self) -> bool:
        return self.required_held > 0


class SingleGroupHeadline(_Strict):
    """The headline shown when no comparison exists (no trial, no signed-off matched run): the
    share of people who completed, with a full window of follow-up, who did not reoffend
    within the window of completing. A single-group figure: no effect can be inferred."""

    name: str = Field(min_length=1)
    window_days: int = Field(ge=30, le=1825)
    definition: str = Field(min_length=1)


class OutcomeMeasure(_Strict):
    """An outcome the programme reports. A change measure names a questionnaire asked at the
    start and the same scale asked at the end: the change is end score minus start score per
    person, and `meaningful_change` is the change (in score points) treated as meaningful."""

    id: str
    name: str
    start_questionnaire: str | None = None
    end_questionnaire: str | None = None
    meaningful_change: float | None = Field(default=None, gt=0)
    source: str = ""

    @model_validator(mode="after")
    def _pair(self) -> OutcomeMeasure:
        if (self.start_questionnaire is None) != (self.end_questionnaire is None):
            raise ValueError(f"outcome {self.id!r}: give both start_questionnaire and "
                             "end_questionnaire, or neither")
        if (self.meaningful_change is None) != (self.start_questionnaire is None):
            raise ValueError(f"outcome {self.id!r}: a change measure needs start_questionnaire, "
                             "end_questionnaire and meaningful_change")
        return self

    @property
    def is_change(self) -> bool:
        return self.start_questionnaire is not None


class TrialSpec(_Strict):
    """A randomised trial the programme is running (stratified permuted blocks)."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    running: bool = True
    arms: list[str] = Field(min_length=2)
    ratio: list[int] = Field(min_length=2)
    strata: list[str] = Field(default_factory=list)
    block_multiples: list[int] = Field(default=[1, 2, 3], min_length=1)
    programme_arm: str

    @model_validator(mode="after")
    def _consistent(self) -> TrialSpec:
        if len(self.ratio) != len(self.arms):
            raise ValueError("ratio must give one whole number per arm")
        if any(part < 1 for part in self.ratio) or any(m < 1 for m in self.block_multiples):
            raise ValueError("ratio parts and block multiples must be 1 or more")
        if self.programme_arm not in self.arms:
            raise ValueError(f"programme_arm {self.programme_arm!r} is not one of the arms")
        return self


class ProgrammeDefinition(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    name: str = Field(min_length=1)
    summary: str = ""
    audience: Audience
    eligibility: list[RuleSpec] = Field(min_length=1)
    sessions: list[Session] = Field(min_length=1)
    questionnaires: list[Questionnaire] = Field(default_factory=list)
    default_deadline_weeks: int = Field(ge=1, le=52)
    outcome_measures: list[OutcomeMeasure] = Field(min_length=1)
    trial: TrialSpec | None = None
    # Victim voice: when victim workers follow up with the victim.
    victim_follow_ups: list[VictimFollowUp] = Field(default_factory=list)
    # Provider delivery: first-contact target and the needs-assessment domains.
    first_contact_days: int = Field(default=14, ge=1, le=90)
    default_capacity: int = Field(default=12, ge=1, le=100)
    assessment_domains: list[AssessmentDomain] = Field(default_factory=list)
    one_to_ones: OneToOnes | None = None
    single_group_headline: SingleGroupHeadline | None = None

    @model_validator(mode="after")
    def _references(self) -> ProgrammeDefinition:
        ids = [rule.id for rule in self.eligibility]
        if len(ids) != len(set(ids)):
            raise ValueError("eligibility rule ids must be unique")
        session_ids = {session.id for session in self.sessions}
        for session in self.sessions:
            if session.after and session.after not in session_ids:
                raise ValueError(f"session {session.id!r} comes after unknown {session.after!r}")
        questionnaire_ids = {q.id for q in self.questionnaires}
        for measure in self.outcome_measures:
            for qid in (measure.start_questionnaire, measure.end_questionnaire):
                if qid is not None and qid not in questionnaire_ids:
                    raise ValueError(f"outcome {measure.id!r} names unknown questionnaire "
                                     f"{qid!r}")
        return self

    @property
    def ruleset_version(self) -> str:
        return f"{self.code}-v{self.version}"

    # Provider delivery: lookups used by delivery.
    def session(self, session_id: str) -> Session:
        return next(s for s in self.sessions if s.id == session_id)

    def questionnaire(self, questionnaire_id: str) -> Questionnaire | None:
        return next((q for q in self.questionnaires if q.id == questionnaire_id), None)

    def change_measures(self) -> list[OutcomeMeasure]:
        """Outcomes measured as the change in a questionnaire score from start to end."""
        return [m for m in self.outcome_measures if m.is_change]
