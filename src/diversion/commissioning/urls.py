from django.urls import path

from diversion.commissioning import views

app_name = "commissioning"

urlpatterns = [
    path("", views.home, name="home"),
]
