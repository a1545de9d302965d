"""API clients: created and revoked by their organisation's administrator, each change logged;
and the check of a token on each call."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.policy import visible
from diversion.accounts.roles import Role
from diversion.api import tokens
from diversion.api.models import ApiClient
from diversion.audit.models import Operation
from diversion.audit.services import record

MAX_LIFETIME_DAYS = 366
# Roles no API client may have: administration and audit are for people on the pages.
NOT_FOR_CLIENTS = frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.VICTIM_WORKER})
LAST_USED_EVERY = timedelta(minutes=1)  # how often a call refreshes `last_used_at`


class ClientRefused(Exception):
    """The client cannot be created or changed as asked; the message says why."""


def roles_for(organisation) -> list[str]:
    """The roles an API client of this organisation may have."""
    return [role for role in organisation.allowed_roles() if role not in NOT_FOR_CLIENTS]


def list_clients(*, actor: User) -> list[ApiClient]:
    with transaction.atomic():
        clients = list(visible(actor, ApiClient).select_related("created_by", "revoked_by"))
        record(actor=actor, operation=Operation.CONSULTATION,
               justification="API clients: list of the organisation's clients",
               subjects=[("accounts.User", c.user_id) for c in clients])
    return clients


def read_client(*, actor: User, client: ApiClient) -> None:
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION, obj=client,
               subjects=[("accounts.User", client.user_id)],
               justification="API clients: one client's page")


def create_client(*, actor: User, name: str, role: str, can_read: bool, can_write: bool,
                  expires_on: date) -> tuple[ApiClient, str]:
    """A new client of the administrator's organisation; returns it and its token, which is
    never stored and so can be shown only this once."""
    organisation = actor.organisation
    if organisation is None:
        raise ClientRefused("Only an organisation's administrator can add an API client")
    today = timezone.localdate()
    if role not in roles_for(organisation):
        raise ClientRefused("Choose a role that your organisation can give an API client")
    if not (can_read or can_write):
        raise ClientRefused("Choose at least one scope")
    if not today < expires_on <= today + timedelta(days=MAX_LIFETIME_DAYS):
        raise ClientRefused("The expiry date must be after today and within a year")
    if visible(actor, ApiClient).filter(name=name).exists():
        raise ClientRefused("Your organisation already has an API client with that name")
    token = tokens.new_token()
    with transaction.atomic():
        account = User(username=f"api.{organisation.code}.{secrets.token_hex(4)}",
                       first_name=name[:150], last_name="(API client)", role=role,
                       organisation=organisation, is_api_client=True)
        account.set_unusable_password()
        account.save()
        client = ApiClient.objects.create(
            organisation=organisation, user=account, name=name, role=role, can_read=can_read,
            can_write=can_write, expires_on=expires_on, token_prefix=tokens.shown_part(token),
            token_hash=tokens.hash_token(token), created_by=actor)
        record(actor=actor, operation=Operation.COLLECTION, obj=client, subjects=[account],
               justification=f"New API client with role {account.get_role_display()}, "
                             f"scopes {' and '.join(client.scopes)}, expiring "
                             f"{expires_on:%Y-%m-%d}")
    return client, token


def revoke_client(*, actor: User, client: ApiClient) -> ApiClient:
    """Revoke at once: the next call with the token is refused."""
    with transaction.atomic():
        client = visible(actor, ApiClient).select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            raise ClientRefused("This API client is already revoked")
        client.revoked_at = timezone.now()
        client.revoked_by = actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        User.objects.filter(pk=client.user_id).update(is_active=False)
        record(actor=actor, operation=Operation.ALTERATION, obj=client,
               subjects=[("accounts.User", client.user_id)],
               justification="API client revoked: its token no longer works")
    return client


@dataclass(frozen=True)
class Check:
    client: ApiClient | None
    refusal: str  # why the token was refused ("" when it was accepted)


def check_token(raw: str) -> Check:
    """The client whose token this is, if it may be used now."""
    client = (ApiClient.objects.select_related("user", "organisation")
              .filter(token_hash=tokens.hash_token(raw)).first())
    if client is None:
        return Check(None, "unknown API token")
    state = client.state()
    if state != "active" or not client.user.is_active:
        return Check(None, f"API token of client {client.pk} ({client.name}) is {state}")
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return Check(client, "")
