from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "diversion.evaluation"
    label = "evaluation"
    verbose_name = "Police record imports, linkage and evaluation runs"
