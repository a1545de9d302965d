from django.urls import path

from diversion.records import views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.batch, name="batch"),
    path("imports/<int:pk>/columns/", views.mapping, name="mapping"),
    path("imports/<int:pk>/rejected.csv", views.rejections_csv, name="rejections_csv"),
    path("linkage/<int:pk>/", views.linkage_run, name="run"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
]
