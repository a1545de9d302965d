from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "diversion.operations"
    label = "operations"
    verbose_name = "Backup, restore and the restore drill"
