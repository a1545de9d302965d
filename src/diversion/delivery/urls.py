from django.urls import path

from diversion.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.home, name="home"),
    # --- Provider delivery
    path("case/<int:pk>/", views.case_detail, name="case"),
    path("case/<int:pk>/contact/", views.contact, name="contact"),
    path("case/<int:pk>/note/", views.note, name="note"),
    path("case/<int:pk>/goal/", views.goal, name="goal"),
    path("case/<int:pk>/onward/", views.onward, name="onward"),
    path("case/<int:pk>/complete/", views.complete, name="complete"),
    path("case/<int:pk>/one-to-one/", views.one_to_one, name="one_to_one"),
    path("case/<int:pk>/book/", views.book, name="book"),
    path("case/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("case/<int:pk>/questionnaire/<slug:qid>/", views.questionnaire, name="questionnaire"),
    path("events/", views.events, name="events"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/register/", views.register, name="register"),
    path("events/<int:pk>/register/<int:booking_pk>/correct/", views.correct_attendance,
         name="correct_attendance"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("compliance/case/<int:pk>/", views.progress, name="progress"),
    path("compliance/case/<int:pk>/decide/", views.decide, name="decide"),
]
