from django.urls import path

from diversion.victims import views

app_name = "victims"

urlpatterns = [
    path("", views.home, name="home"),
]
