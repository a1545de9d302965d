from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "diversion.delivery"
    label = "delivery"
    verbose_name = "Workshops, sessions, attendance and completion"
