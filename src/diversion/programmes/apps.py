from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "diversion.programmes"
    label = "programmes"
    verbose_name = "Programmes (versioned definitions)"
