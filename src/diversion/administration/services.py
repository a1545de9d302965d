"""User administration: each change is logged and confined to the administrator's organisation."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from diversion.accounts import mfa, sessions
from diversion.accounts.models import Organisation, User
from diversion.accounts.policy import visible
from diversion.accounts.roles import OrganisationKind
from diversion.administration.models import RECEIVER_KINDS, DataSharingAgreement
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


# --- data-sharing agreements ------------------------------------------------------------------

def list_agreements(*, actor: User) -> list[DataSharingAgreement]:
    """The agreements the actor's organisation gave (a force) or received; logged, as they name
    who agreed and who recorded them."""
    with transaction.atomic():
        found = list(visible(actor, DataSharingAgreement)
                     .select_related("force", "receiver", "recorded_by", "withdrawn_by"))
        if found:
            record(actor=actor, operation=Operation.CONSULTATION, subjects=found,
                   justification="Data-sharing agreements: the organisation's list")
    return found


def record_agreement(*, actor: User, receiver: Organisation, agreed_by: str, starts_on: date,
                     ends_on: date | None, document_reference: str) -> DataSharingAgreement:
    """A force's administrator records that the force agreed to share with `receiver`."""
    force = actor.organisation
    if force is None or force.kind != OrganisationKind.POLICE_FORCE:
        raise PermissionDenied("only a police force records its own data-sharing agreements")
    if receiver.kind not in RECEIVER_KINDS:
        raise PermissionDenied("an agreement is with a PCC office or a research partner")
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            force=force, receiver=receiver, agreed_by=agreed_by,
            starts_on=starts_on, ends_on=ends_on, document_reference=document_reference,
            recorded_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, subjects=[agreement], obj=agreement,
               justification=f"Data-sharing agreement recorded: {force} shares "
                             f"aggregate and pseudonymised data with {receiver} from "
                             f"{starts_on.isoformat()} (document {document_reference})")
    return agreement


def withdraw_agreement(*, actor: User, agreement: DataSharingAgreement,
                       reason: str) -> DataSharingAgreement:
    """Withdraw an agreement of the actor's own force: new reads stop at once; the row stays."""
    with transaction.atomic():
        try:
            agreement = (visible(actor, DataSharingAgreement).select_for_update()
                         .get(pk=agreement.pk, force_id=actor.organisation_id))
        except DataSharingAgreement.DoesNotExist:
            raise PermissionDenied("only the force's administrators withdraw its agreements") \
                from None
        if agreement.withdrawn_at is not None:
            return agreement
        agreement.withdrawn_at = timezone.now()
        agreement.withdrawn_by = actor
        agreement.withdrawal_reason = reason
        agreement.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record(actor=actor, operation=Operation.ALTERATION, subjects=[agreement], obj=agreement,
               justification=f"Data-sharing agreement withdrawn: {agreement.force} no longer "
                             f"shares with {agreement.receiver}. Reason: {reason}")
    return agreement
