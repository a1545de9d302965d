from django.urls import path

from diversion.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/set/", views.provider_set, name="provider_set"),
]
