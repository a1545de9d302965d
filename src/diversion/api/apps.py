from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "diversion.api"
    label = "api"
    verbose_name = "API (/api/v1/) and API clients"

    def ready(self) -> None:
        from diversion.api import schema  # noqa: F401  (registers the token scheme)
