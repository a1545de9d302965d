"""The public statistics pages: published, frozen, disclosure-controlled releases only."""

from django.urls import path

from diversion.commissioning import views

app_name = "statistics"

urlpatterns = [
    path("", views.public_list, name="list"),
    path("<int:pk>/", views.public_release, name="release"),
    path("<int:pk>/release.pdf", views.public_release_pdf, name="release_pdf"),
    path("<int:pk>/<slug:key>.<str:fmt>", views.public_export, name="export"),
]
