"""Who delivery tells by email, and what: the case reference and a link, never a name.

The referrer is the police user who referred the case; the provider's managers are told of
overdue first contact and near condition deadlines; victim workers of the case's victims are
told when a follow-up point is reached (victims.services.tell_victim_workers).
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


def missed_session(actor, case: Case, *, held_on: date) -> None:
    notify(actor, recipients=[_referrer(case)], kind=Kind.NON_ATTENDANCE,
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
        referral = getattr(case, "referral", None)
        managers = users_with_role(organisation_id=referral.provider_id if referral else None,
                                   roles=[Role.PROVIDER_MANAGER])
        passed = due < timezone.localdate()  # the sweep also finds deadlines already missed
        what = ("First contact was due" if kind == Kind.FIRST_CONTACT_OVERDUE
                else "The condition deadline was" if passed else "The condition deadline is")
        headline = ("A condition deadline has passed" if kind == Kind.DEADLINE_NEAR and passed
                    else Kind(kind).label)
        notify(None, recipients=managers, kind=Kind(kind),
               subject=f"{headline} (case {case.reference})",
               body=f"{what} on {due:%-d %B %Y} for case {case.reference}.",
               link=reverse("delivery:case", args=[case.pk]), about=_about(case))
