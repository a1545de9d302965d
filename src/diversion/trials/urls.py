from django.urls import path

from diversion.trials import views

app_name = "trials"

urlpatterns = [
    path("", views.trial_list, name="list"),
    path("<slug:code>/", views.allocation_log, name="log"),
    path("<slug:code>/allocation-log.csv", views.allocation_log_csv, name="log_csv"),
]
