from django.urls import path

from diversion.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    # --- Offence to caution (issue 3)
    path("cases/new/", views.record_offence, name="record"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/facts/", views.edit_facts, name="facts"),
    path("cases/<int:pk>/eligibility/", views.eligibility, name="eligibility"),
    path("cases/<int:pk>/consultation/", views.consultation, name="consultation"),
    path("cases/<int:pk>/randomise/", views.randomise, name="randomise"),
    path("cases/<int:pk>/caution/", views.caution, name="caution"),
    path("cases/<int:pk>/statement/", views.statement, name="statement"),
    path("cases/<int:pk>/victim-view/", views.victim_view_decision, name="victim_view"),
    path("cases/<int:pk>/timeline/", views.case_timeline, name="timeline"),
]
