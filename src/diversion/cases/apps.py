from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "diversion.cases"
    label = "cases"
    verbose_name = "People, offences and OOCR cases"
