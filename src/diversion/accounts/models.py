"""Organisations and their users. Each user belongs to exactly one organisation and has one role."""

from __future__ import annotations

from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from diversion.accounts.roles import ROLES_BY_KIND, OrganisationKind, Role


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    # A short code, e.g. a force's two-letter code, used in references.
    code = models.SlugField(max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def allowed_roles(self) -> tuple[str, ...]:
        return ROLES_BY_KIND.get(self.kind, ())


class User(AbstractUser):
    """A person who signs in. Superusers are not used: every power comes from the role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    # Bumped when an administrator changes the role, so it takes effect on the next request.
    role_changed_at = models.DateTimeField(null=True, blank=True)
    # An API client's account (api app): no usable password, never on the user pages; only
    # views whose rule is for tokens admit it, and those admit no one else.
    is_api_client = models.BooleanField(default=False, editable=False)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def clean(self) -> None:
        super().clean()
        org = self.organisation if self.organisation_id else None
        if org is not None and self.role and self.role not in org.allowed_roles():
            raise ValidationError(
                {"role": f"A {org.get_kind_display().lower()} cannot have the "
                         f"role {self.get_role_display()}."}
            )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
