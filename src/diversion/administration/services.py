"""User administration: each change is logged and confined to the administrator's organisation."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from diversion.accounts import mfa, sessions
from diversion.accounts.models import User
from diversion.accounts.policy import visible
from diversion.audit.models import Operation
from diversion.audit.services import record


def list_users(*, actor: User) -> list[User]:
    with transaction.atomic():
        users = list(visible(actor, User).order_by("last_name", "first_name", "username"))
        record(actor=actor, operation=Operation.CONSULTATION,
               justification="User administration: list of the organisation's users",
               subjects=users)
    return users


def read_user(*, actor: User, user: User) -> None:
    """Log an administrator opening one user's page (their name, e-mail, role and sign-in state)."""
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION, subjects=[user], obj=user,
               justification="User administration: one user's account")


def create_user(*, actor: User, username: str, first_name: str, last_name: str, email: str,
                role: str, password: str) -> User:
    """A new account in the administrator's own organisation, with a temporary password."""
    with transaction.atomic():
        user = User(username=username, first_name=first_name, last_name=last_name, email=email,
                    role=role, organisation=actor.organisation)
        user.set_password(password)
        user.save()
        record(actor=actor, operation=Operation.COLLECTION, subjects=[user], obj=user,
               justification=f"New user account with role {user.get_role_display()}")
    return user


def update_user(*, actor: User, user: User, first_name: str, last_name: str, email: str,
                role: str, is_active: bool) -> User:
    """Change a user's name, e-mail, role or active state; the log names the fields changed."""
    values = {"first_name": first_name, "last_name": last_name, "email": email, "role": role,
              "is_active": is_active}
    with transaction.atomic():
        # Compared with the stored row: the object passed in may already carry the new values.
        user = visible(actor, User).select_for_update().get(pk=user.pk)
        changed = {name for name, value in values.items() if getattr(user, name) != value}
        for name, value in values.items():
            setattr(user, name, value)
        if "role" in changed:
            user.role_changed_at = timezone.now()
        user.save()
        record(actor=actor, operation=Operation.ALTERATION, subjects=[user], obj=user,
               justification="User account changed: " + ", ".join(sorted(changed)))
        if "is_active" in changed and not user.is_active:
            end_sessions(user)
    return user


def reset_authenticator(*, actor: User, user: User) -> int:
    """A user lost their authenticator: remove it, so they set one up at their next sign-in.
    Their open sessions fail the second step on the next request (OTPMiddleware finds no
    device). Logged as account processing here; the view, which has the request, records the
    security event in the same transaction."""
    with transaction.atomic():
        removed = mfa.reset(user)
        record(actor=actor, operation=Operation.ALTERATION, subjects=[user], obj=user,
               justification="Two-step verification reset: authenticator app removed")
    return removed


def end_sessions(user: User) -> int:
    """Sign a user out everywhere (ASVS 7.4.2)."""
    return sessions.end_sessions(user)


def sign_out_everywhere(*, actor: User, user: User) -> int:
    """An administrator ends every session a user has (a lost laptop, say) (ASVS 7.4.5)."""
    with transaction.atomic():
        ended = end_sessions(user)
        record(actor=actor, operation=Operation.ALTERATION, subjects=[user], obj=user,
               justification=f"Signed out everywhere by an administrator: {ended} session(s)")
    return ended
