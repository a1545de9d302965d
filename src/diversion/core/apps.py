from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared pieces with no models: the GOV.UK date field and its template, the SVG chart kit,
    ages and keyed pseudonyms. An app only so Django finds its template."""

    name = "diversion.core"
    label = "core"
    verbose_name = "Shared pieces"
