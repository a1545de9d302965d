from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared pieces with no models. An app only so Django finds the GOV.UK date field's
    template (core/date_field.html)."""

    name = "diversion.core"
    label = "core"
    verbose_name = "Shared pieces"

    def ready(self) -> None:
        from diversion.core import antivirus  # noqa: F401 (registers the deployment check)
