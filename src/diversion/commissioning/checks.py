"""System check: a disclosure threshold of 1 or less would publish every small count."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from diversion.commissioning import disclosure


@checks.register(checks.Tags.compatibility)
def disclosure_threshold(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    value = getattr(settings, "DISCLOSURE_THRESHOLD", disclosure.DEFAULT_THRESHOLD)
    try:
        disclosure.check_threshold(value)
    except ValueError as exc:
        return [checks.Error(f"DISCLOSURE_THRESHOLD: {exc}",
                             hint="Leave it unset (5) or set a whole number of at least 2.",
                             id="commissioning.E001")]
    return []
