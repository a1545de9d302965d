from django.urls import path

from diversion.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    # --- Offence to caution; the case page and the caution step: disposals.urls
    path("cases/new/", views.record_offence, name="record"),
    path("cases/<int:pk>/facts/", views.edit_facts, name="facts"),
    path("cases/<int:pk>/eligibility/", views.eligibility, name="eligibility"),
    path("cases/<int:pk>/timeline/", views.case_timeline, name="timeline"),
    path("cases/<int:pk>/contact/", views.contact, name="contact"),
]
