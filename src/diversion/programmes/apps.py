from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "diversion.programmes"
    label = "programmes"
    verbose_name = "Programmes (versioned definitions)"

    def ready(self) -> None:
        # Load and validate every definition at start-up: a bad file stops the service with a
        # message naming the file, field and problem, rather than failing on first use.
        from diversion.programmes import registry

        registry.all_definitions()
