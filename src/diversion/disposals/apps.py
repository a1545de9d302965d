from django.apps import AppConfig


class DisposalsConfig(AppConfig):
    name = "diversion.disposals"
    label = "disposals"
    verbose_name = "Cautions, referrals and the victim-view decision"
