"""Who delivery tells by email, and what: the case reference and a link, never a name.

The referrer is the police user who referred the case (or, if they can no longer act on it,
the force's decision makers) and is told of each non-attendance that makes a breach; the
provider's managers are told of overdue first contact, near condition deadlines and the
police's breach decision (so they stop or resume delivery); victim workers of the case's
victims are told when a follow-up point is reached (victims.services.tell_victim_workers).
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import Case
from diversion.notifications.models import Kind
from diversion.notifications.services import notify, users_with_role
from diversion.victims.schedules import follow_up_points
from diversion.victims.services import tell_victim_workers


def _referrer(case: Case):
    referral = getattr(case, "referral", None)  # a missing one raises an AttributeError
    return referral.referred_by if referral is not None else None


def _about(case: Case) -> tuple[str, int]:
    return ("cases.Case", case.pk)


def _breach_deciders(case: Case) -> list:
    """Who decides on a breach: the referrer while they are an active decision maker of the
    case's force, else every decision maker of the force, so a breach never goes untold."""
    referrer = _referrer(case)
    if (referrer is not None and referrer.is_active and referrer.role == Role.DECISION_MAKER
            and referrer.organisation_id == case.force_id):
        return [referrer]
    return users_with_role(organisation_id=case.force_id, roles=[Role.DECISION_MAKER])


def _provider_managers(case: Case) -> list:
    referral = getattr(case, "referral", None)
    return users_with_role(organisation_id=referral.provider_id if referral else None,
                           roles=[Role.PROVIDER_MANAGER])


def missed_session(actor, case: Case, *, held_on: date) -> None:
    """A missed session (workshop or, where the programme says so, one-to-one) that returned
    the case to police as a breach."""
    notify(actor, recipients=_breach_deciders(case), kind=Kind.NON_ATTENDANCE,
           subject=f"Non-compliance on case {case.reference}",
           body=(f"The person referred on case {case.reference} missed a session on "
                 f"{held_on:%-d %B %Y}. The case is back with police for a breach decision."),
           link=reverse("delivery:progress", args=[case.pk]), about=_about(case))


def completed(actor, case: Case) -> None:
    notify(actor, recipients=[_referrer(case)], kind=Kind.COMPLETED,
           subject=f"Programme completed on case {case.reference}",
           body=f"The person referred on case {case.reference} completed the programme.",
           link=reverse("delivery:progress", args=[case.pk]), about=_about(case))
    after = [label for _code, label, months in follow_up_points(case.programme_code)
             if months is not None]
    if after:
        tell_victim_workers(actor, case, point="the programme ended; follow-ups are due: "
                                               + "; ".join(after))


def started(actor, case: Case) -> None:
    """First contact made: the follow-up points "during" the programme are reached."""
    during = [label for _code, label, months in follow_up_points(case.programme_code)
              if months is None]
    if during:
        tell_victim_workers(actor, case, point="; ".join(during))


def follow_up_due(case: Case, *, code: str, label: str) -> None:
    """The sweep found a follow-up point after the programme reached (told once)."""
    tell_victim_workers(None, case, point=label, once_key=f"follow_up:{code}")


def reminder(case: Case, kind: str, due: date) -> None:
    """A reminder the delivery sweep raised (no acting user: the system)."""
    if kind == Kind.TIME_LIMIT_NEAR:
        notify(None, recipients=[_referrer(case)], kind=Kind.TIME_LIMIT_NEAR,
               subject=f"Prosecution time limit near on case {case.reference}",
               body=(f"The prosecution time limit for case {case.reference} ends on "
                     f"{due:%-d %B %Y}."),
               link=reverse("delivery:progress", args=[case.pk]), about=_about(case))
    elif kind in (Kind.FIRST_CONTACT_OVERDUE, Kind.DEADLINE_NEAR):
        managers = _provider_managers(case)
        passed = due < timezone.localdate()  # the sweep also finds deadlines already missed
        what = ("First contact was due" if kind == Kind.FIRST_CONTACT_OVERDUE
                else "The condition deadline was" if passed else "The condition deadline is")
        headline = ("A condition deadline has passed" if kind == Kind.DEADLINE_NEAR and passed
                    else Kind(kind).label)
        notify(None, recipients=managers, kind=Kind(kind),
               subject=f"{headline} (case {case.reference})",
               body=f"{what} on {due:%-d %B %Y} for case {case.reference}.",
               link=reverse("delivery:case", args=[case.pk]), about=_about(case))


# What the provider is told to do after each breach decision (delivery.BreachChoice values).
_AFTER_DECISION = {
    "rebook": "Police re-booked the programme: every part is repeated, with the conditions now "
              "due by {deadline}. Book the sessions again.",
    "prosecute": "Police decided to prosecute the original offence. Stop delivery: book no "
                 "more sessions.",
    "nfa": "Police decided on no further action. Stop delivery: book no more sessions.",
}


def breach_decided(actor, case: Case, *, choice: str, new_deadline: date | None) -> None:
    """Police recorded a breach decision: the provider's managers are told the outcome."""
    what = _AFTER_DECISION[choice].format(
        deadline=f"{new_deadline:%-d %B %Y}" if new_deadline else "")
    notify(actor, recipients=_provider_managers(case), kind=Kind.BREACH_DECISION,
           subject=f"Breach decision on case {case.reference}",
           body=f"Breach decision on case {case.reference}. {what}",
           link=reverse("delivery:case", args=[case.pk]), about=_about(case))
