"""API clients: a machine account of one organisation, with one role, scopes and an expiry.

Each client is backed by a `User` with `is_api_client` set and no usable password, so the
access policy, field rules and the processing log treat it as any user of its role (the log
names the client), while no page admits it and it cannot sign in. The token is stored only as
its SHA-256 hash.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from diversion.accounts.roles import Role


class ApiClient(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="api_clients")
    user = models.OneToOneField("accounts.User", on_delete=models.PROTECT,
                                related_name="api_client")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=32, choices=Role.choices)
    can_read = models.BooleanField(default=True)
    can_write = models.BooleanField(default=False)
    expires_on = models.DateField(help_text="The token works until the end of this day.")
    # The token's first characters, to tell tokens apart on the page; never enough to use.
    token_prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"],
                                    name="api_client_name_unique_in_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scopes(self) -> list[str]:
        return [name for name, on in (("read", self.can_read), ("write", self.can_write)) if on]

    def state(self, today=None) -> str:
        """active, revoked or expired."""
        if self.revoked_at is not None:
            return "revoked"
        if (today or timezone.localdate()) > self.expires_on:
            return "expired"
        return "active"
