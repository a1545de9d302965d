from django.urls import path

from diversion.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
]
