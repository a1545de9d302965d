from django.apps import AppConfig


class VictimsConfig(AppConfig):
    name = "diversion.victims"
    label = "victims"
    verbose_name = "Victim consultation, safe contact, safeguarding and feedback"

    def ready(self) -> None:
        from diversion.victims import stepup

        stepup.connect()
