from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "diversion.commissioning"
    label = "commissioning"
    verbose_name = "Contracts, performance, outcomes and public statistics"
