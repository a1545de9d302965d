from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "diversion.commissioning"
    label = "commissioning"
    verbose_name = "Contracts, performance, outcomes and public statistics"

    def ready(self) -> None:
        from diversion.commissioning import checks, reoffending  # noqa: F401 (registers the check)

        reoffending.connect()  # a completed evaluation run updates the dashboard's summary
