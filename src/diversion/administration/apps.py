from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "diversion.administration"
    label = "administration"
    verbose_name = "User administration, per organisation"
