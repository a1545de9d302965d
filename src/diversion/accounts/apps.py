from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "diversion.accounts"
    label = "accounts"
    verbose_name = "Organisations, users and roles"

    def ready(self) -> None:
        from diversion.core import static_check  # noqa: F401 (registers the check)
