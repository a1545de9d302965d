"""The access policy, in one place: who may use which view, see which rows and read which
fields. Deny by default:

- `rules`: every view declares a `Rule` with `@rule(...)`; `AccessPolicyMiddleware` refuses a
  view that has none, and a test walks the URL resolver;
- `scopes`: every read goes through `visible(user, Model)`, which scopes the queryset to what
  the user's role and organisation may see; a model with no scope is visible to nobody;
- `fields`: which roles may read a sensitive field (`can_read_field`).

Each module is ordered by app and model, in the apps' dependency order. Rules name models by
label ("cases.Person"), so the policy imports no app above accounts. docs/access-policy.md is
generated from it (`manage.py access_matrix`).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.dispatch import Signal
from django.http import Http404

from diversion.accounts.policy.fields import FIELD_READERS, can_read_field, readable_fields
from diversion.accounts.policy.rules import (
    ALL_ROLES,
    ANALYSIS,
    API_ANALYSIS,
    API_COMMISSIONING,
    API_POLICE,
    API_PROVIDER,
    API_REFERENCE,
    AUDIT,
    COMMISSIONING,
    POLICE,
    POLICE_WORK,
    PROGRAMME_ADMIN,
    PROVIDER,
    PROVIDER_WORK,
    PUBLIC,
    PUBLIC_STATISTICS,
    REGIONAL,
    RETENTION,
    ROLE_HOMES,
    RULES,
    SECOND_STEP,
    SIGNED_IN,
    SUBJECT_ACCESS,
    USER_ADMIN,
    VICTIM_WORK,
    Rule,
    rule,
    rule_for,
)
from diversion.accounts.policy.scopes import PUBLIC_SCOPES, SCOPES

__all__ = [
    "ALL_ROLES", "ANALYSIS", "API_ANALYSIS", "API_COMMISSIONING", "API_POLICE", "API_PROVIDER",
    "API_REFERENCE", "AUDIT", "COMMISSIONING", "FIELD_READERS", "POLICE", "POLICE_WORK",
    "PROGRAMME_ADMIN", "PROVIDER", "PROVIDER_WORK", "PUBLIC", "PUBLIC_SCOPES",
    "PUBLIC_STATISTICS", "REGIONAL", "RETENTION", "ROLE_HOMES", "RULES", "SCOPES",
    "SECOND_STEP", "SIGNED_IN", "SUBJECT_ACCESS",
    "USER_ADMIN", "VICTIM_WORK", "Rule", "access_denied", "can_read_field",
    "get_visible_or_404", "public_visible", "readable_fields", "rule", "rule_for", "visible",
]

M = TypeVar("M", bound=Model)

access_denied = Signal()  # sent with request, reason, status; the audit app records it


def visible(user, model: type[M]) -> QuerySet[M]:
    """The one queryset of `model` that `user` may see. Views never use Model.objects."""
    # `_default_manager` is `objects` for every model here; the stubs only type it generically.
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.role:
        return model._default_manager.none()
    scope = SCOPES.get(model._meta.label)
    if scope is None:
        return model._default_manager.none()
    return model._default_manager.filter(scope(user))


def get_visible_or_404(request, model: type[M], **lookup) -> M:
    """Fetch one object the user may see; anything else is a logged 404 (no existence leak)."""
    try:
        return visible(request.user, model).get(**lookup)
    # The queryset's `get` raises only `model.DoesNotExist`, which the stubs cannot see on type[M].
    except (ObjectDoesNotExist, ValueError, TypeError):
        access_denied.send(
            sender=model, request=request, status=404,
            reason=f"{model._meta.label} not visible or not found: {sorted(lookup)}",
        )
        raise Http404 from None


def public_visible(model: type[M]) -> QuerySet[M]:
    """What the public may see of `model`: nothing unless PUBLIC_SCOPES says otherwise."""
    condition = PUBLIC_SCOPES.get(model._meta.label)
    manager = model._default_manager  # `objects` for every model here (see `visible`)
    return manager.none() if condition is None else manager.filter(condition)
