from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "diversion.retention"
    label = "retention"
    verbose_name = "Retention, erasure and subject-access requests"
