from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared pieces with no models. An app only so Django finds the GOV.UK date field's
    template (core/date_field.html)."""

    name = "diversion.core"
    label = "core"
    verbose_name = "Shared pieces"
