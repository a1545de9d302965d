"""notify(): record an email for each recipient and queue it, only once the transaction that
caused it has committed (a rolled-back action tells nobody).

Emails name a case by its reference and link to the page behind the sign-in; they never carry
names, addresses or victims' details (tests/notifications/test_canary.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from diversion.accounts.models import User
from diversion.notifications.models import URGENT_KINDS, Kind, Notification, OptOut
from diversion.notifications.tasks import send_notification

FOOTER = ("\n\n--\nThis email was sent by Diversion. It holds no personal details: sign in to "
          "see them.\nChoose which emails you get: {preferences}\n")


def users_with_role(*, organisation_id: int | None, roles: Iterable[str]) -> list[User]:
    """Active users of one organisation with one of the roles: who to tell. A system look-up,
    not a user's read: it decides recipients and shows nothing to anyone."""
    if organisation_id is None:
        return []
    return list(User.objects.filter(organisation_id=organisation_id, role__in=list(roles),
                                    is_active=True).order_by("pk"))


def notify(actor: User | None, *, recipients: Iterable[User | None], kind: Kind, subject: str,
           body: str, link: str = "", about: tuple[str, int] | None = None,
           once_key: str = "") -> list[Notification]:
    """Record one email per recipient (once each) and queue it after the transaction commits.

    `link` is a path inside the service ("/police/cases/4/"); `about` names what the email is
    about as the processing log names subjects ("cases.Case", 4). A recipient who opted out of
    a non-urgent kind gets nothing; urgent kinds always go. With `once_key`, a recipient
    already told of this kind, subject and key is not told again.
    """
    kind = Kind(kind)
    urgent = kind in URGENT_KINDS
    wanted = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not urgent:
        opted_out = set(OptOut.objects.filter(user_id__in=list(wanted), kind=kind)
                        .values_list("user_id", flat=True))
        wanted = {pk: user for pk, user in wanted.items() if pk not in opted_out}
    if once_key and about:
        told = set(Notification.objects.filter(
            recipient_id__in=list(wanted), kind=kind, about_model=about[0], about_id=about[1],
            once_key=once_key).values_list("recipient_id", flat=True))
        wanted = {pk: user for pk, user in wanted.items() if pk not in told}
    if not wanted:
        return []
    text = body.rstrip()
    if link:
        text += f"\n\n{settings.DIVERSION_BASE_URL}{link}"
    text += FOOTER.format(
        preferences=settings.DIVERSION_BASE_URL + reverse("notifications:preferences"))
    made = [Notification.objects.create(
        recipient=user, kind=kind, subject=subject[:200], body=text, urgent=urgent,
        about_model=about[0] if about else "", about_id=about[1] if about else None,
        once_key=once_key)
        for user in wanted.values()]
    ids = [n.pk for n in made]
    transaction.on_commit(lambda: [send_notification.enqueue(pk) for pk in ids])
    return made


def set_opt_outs(actor: User, *, unwanted: Iterable[str]) -> None:
    """The user's choice of the non-urgent kinds they do not want by email."""
    kinds = {Kind(k) for k in unwanted} - URGENT_KINDS
    with transaction.atomic():
        OptOut.objects.filter(user=actor).exclude(kind__in=kinds).delete()
        have = set(OptOut.objects.filter(user=actor).values_list("kind", flat=True))
        OptOut.objects.bulk_create([OptOut(user=actor, kind=k) for k in kinds - have])
