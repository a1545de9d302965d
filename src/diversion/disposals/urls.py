from django.urls import path

from diversion.disposals import views

app_name = "disposals"

# Mounted at /police/ beside `cases.urls`: the case page and the caution step keep their paths.
urlpatterns = [
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/consultation/", views.consultation, name="consultation"),
    path("cases/<int:pk>/randomise/", views.randomise, name="randomise"),
    path("cases/<int:pk>/caution/", views.caution, name="caution"),
    path("cases/<int:pk>/close/", views.close, name="close"),
    path("cases/<int:pk>/statement/", views.statement, name="statement"),
    path("cases/<int:pk>/victim-view/", views.victim_view_decision, name="victim_view"),
]
