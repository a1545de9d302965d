from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "diversion.records"
    label = "records"
    verbose_name = "Police crime-record imports and identity linkage"
