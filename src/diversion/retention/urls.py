from django.urls import path

from diversion.retention import views

app_name = "retention"

urlpatterns = [
    path("retention/", views.reviews, name="reviews"),
    path("retention/<int:pk>/", views.review, name="review"),
    path("subject-access/", views.requests, name="requests"),
    path("subject-access/confirm-it-is-you/", views.step_up, name="step_up"),
    path("subject-access/new/", views.request_create, name="request_create"),
    path("subject-access/<int:pk>/", views.request_detail, name="request"),
    path("subject-access/<int:pk>/export.<str:fmt>", views.request_export, name="export"),
]
