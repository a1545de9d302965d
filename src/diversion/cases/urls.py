from django.urls import path

from diversion.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
]
