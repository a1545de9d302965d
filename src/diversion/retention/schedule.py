"""The retention schedule: how long each kind of personal-data record is kept, from what
trigger, and on what basis. It is data, reviewed by the organisation's Data Protection Officer;
docs/retention.md prints it. Periods marked `default` are this service's defaults where no law
sets a period: each organisation must confirm or change them before go-live.

`sweep` says what the retention sweep does with a kind: "review" (past-due records are listed
for an administrator to delete or keep), "delete" (removed by the sweep without review: no
person is identifiable from them alone, e.g. expired staging rows) or "none" (kept or removed
elsewhere, as `note` says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class RetentionRule:
    key: str
    label: str
    models: tuple[str, ...]
    trigger: str
    days: int
    basis: str
    default: bool  # True: the service's default, to be confirmed by the organisation's DPO
    sweep: str  # "review", "delete" or "none"
    note: str = ""

    @property
    def period(self) -> str:
        if self.days % 365 == 0:
            years = self.days // 365
            return f"{years} year{'s' if years != 1 else ''}"
        return f"{self.days} days"

    def due_on(self, trigger_date: date) -> date:
        return trigger_date + timedelta(days=self.days)


SIX_YEARS = 6 * 365
MOPI = ("College of Policing APP Management of Police Information (MoPI): review 6 years "
        "after the last police action for 'other' offences (group 3); a force's own review "
        "policy may set longer for public-protection cases (groups 1 and 2)")

SCHEDULE: tuple[RetentionRule, ...] = (
    RetentionRule(
        key="person",
        label="People, their encrypted contact details, offences and out-of-court cases "
              "(police), with everything "
              "recorded on the case: eligibility, timeline, caution, referral, closure, and the "
              "provider's delivery records (contacts, bookings, attendance, questionnaires, "
              "notes, assessments, goals, onward referrals, breach decisions, reminders)",
        models=("cases.Person", "cases.PersonContact", "cases.Offence", "cases.Case",
                "cases.EligibilityDecision",
                "cases.CaseEvent", "disposals.Disposal", "disposals.Referral",
                "disposals.VictimViewDecision", "disposals.Closure", "delivery.ContactAttempt",
                "delivery.Booking",
                "delivery.Attendance", "delivery.AttendanceCorrection",
                "delivery.QuestionnaireResponse", "delivery.CaseNote",
                "delivery.NeedsAssessment", "delivery.Goal", "delivery.OnwardReferral",
                "delivery.BreachDecision", "delivery.Reminder", "records.PersonLink",
                "records.LinkCandidate"),
        trigger="the person's last case closed (or was found not eligible), or, with no case, "
                "their last offence was recorded",
        days=SIX_YEARS, basis=MOPI, default=True, sweep="review",
        note="Reviewed by the force's administrator. Refused while any case is live, is in a "
             "randomised trial (the allocation log is append-only), or the victim service "
             "still holds records on it."),
    RetentionRule(
        key="victim",
        label="Victims (victim service): name, encrypted safe contact details, case links, "
              "consultations and their drafts, contact log, follow-ups, Victims' Code "
              "information, disclosures, safeguarding alerts",
        models=("victims.Victim", "victims.CaseVictim", "victims.Consultation",
                "victims.ContactLogEntry", "victims.FollowUp", "victims.InformationEvent",
                "victims.Disclosure", "victims.SafeguardingAlert"),
        trigger="the last contact with the victim (or the record's creation, with no contact)",
        days=SIX_YEARS,
        basis="The victim service's policy (default): 6 years, the Limitation Act 1980 period "
              "for claims about the service given",
        default=True, sweep="review",
        note="Reviewed by the victim service's administrator. Refused while a linked case is "
             "live or a safeguarding alert is open."),
    RetentionRule(
        key="staged_record",
        label="Imported police extract: staging rows left by an import",
        models=("records.StagedRecord",),
        trigger="the import was created",
        days=30,
        basis="Data minimisation (UK GDPR Art. 5(1)(c),(e); DPA 2018 s.39): staging rows are "
              "a working copy, merged or refused within the import",
        default=True, sweep="delete"),
    RetentionRule(
        key="rejected_row",
        label="Imported police extract: rejected rows shown in the rejection report",
        models=("records.RejectedRow",),
        trigger="the import was created",
        days=90,
        basis="Data minimisation (DPA 2018 s.39): long enough for the force to correct and "
              "resend the extract",
        default=True, sweep="delete"),
    RetentionRule(
        key="crime_record",
        label="Imported crime records and their history",
        models=("records.CrimeRecord", "records.CrimeRecordVersion"),
        trigger="the record's last change in an extract",
        days=SIX_YEARS, basis=MOPI, default=True, sweep="none",
        note="Not yet in the sweep: the force deletes them at source and the next extract's "
             "merge does not re-create them; deletion here is to be built."),
    RetentionRule(
        key="evaluation",
        label="Evaluation runs: cohorts and results",
        models=("evaluation.EvaluationRun", "evaluation.HeadlineSignOff"),
        trigger="the run finished",
        days=10 * 365,
        basis="Research exemption (DPA 2018 Sch. 2 para 27; UK GDPR Art. 89) for the results, "
              "which are aggregates; the cohort is built in memory from the live records for "
              "each run and never stored",
        default=True, sweep="none",
        note="A deleted case leaves the cohorts of future runs; results already computed "
             "and the commissioner's published statistics are aggregates and stay."),
    RetentionRule(
        key="commissioning",
        label="Commissioner's aggregates and published statistics releases",
        models=("commissioning.DashboardAggregate", "commissioning.OutcomeAggregate",
                "commissioning.RecordedCrimeAggregate", "commissioning.ReoffendingSummary",
                "commissioning.StatisticsRelease"),
        trigger="-", days=0,
        basis="Not personal data (aggregates with disclosure control)",
        default=False, sweep="none",
        note="Kept. A later recount no longer includes deleted cases."),
    RetentionRule(
        key="processing_log",
        label="Processing log (DPA 2018 s.62)",
        models=("audit.ProcessingLog",),
        trigger="the row was written",
        days=SIX_YEARS,
        basis="DPA 2018 s.62 sets no period; the service's default keeps the log as long as "
              "the longest record it describes may be kept",
        default=True, sweep="none",
        note="Never erased or rewritten by an erasure (decision 0006): an erasure adds a row."),
    RetentionRule(
        key="security_event",
        label="Security events and sign-in sessions",
        models=("audit.SecurityEvent", "sessions.Session"),
        trigger="the event, or the session's expiry",
        days=365,
        basis="The organisation's security-logging policy (default; NCSC logging guidance)",
        default=True, sweep="none",
        note="Sessions end after 10 hours at most; `manage.py clearsessions` removes expired "
             "ones. Deleting security events after a year is not yet built (they are "
             "append-only)."),
    RetentionRule(
        key="subject_access",
        label="Subject-access requests and the reviews of this schedule",
        models=("retention.SubjectAccessRequest", "retention.RetentionReview"),
        trigger="the request was answered",
        days=2 * 365,
        basis="The organisation's policy (default), to show how requests were answered",
        default=True, sweep="none"),
)

BY_KEY: dict[str, RetentionRule] = {rule.key: rule for rule in SCHEDULE}
REVIEWED = tuple(rule for rule in SCHEDULE if rule.sweep == "review")
