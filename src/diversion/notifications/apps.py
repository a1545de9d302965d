from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "diversion.notifications"
    label = "notifications"
    verbose_name = "Email notifications (sent by the task worker)"
