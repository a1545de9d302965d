from django.urls import path

from diversion.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.processing_log, name="log"),
    path("security/", views.security_events, name="security"),
    path("integrity/", views.integrity_check, name="integrity_check"),
]
