from django.urls import path

from diversion.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.home, name="home"),
]
