from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"
    verbose_name = "Processing log and security events"

    def ready(self) -> None:
        from diversion.audit import receivers  # noqa: F401  (records denials and sign-ins)
