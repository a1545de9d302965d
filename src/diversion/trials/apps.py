from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "diversion.trials"
    label = "trials"
    verbose_name = "Randomised trials (concealed allocation)"
