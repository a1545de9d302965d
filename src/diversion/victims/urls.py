from django.urls import path

from diversion.victims import police_views, views

app_name = "victims"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.victim_create, name="victim_create"),
    path("cases/", views.case_search, name="case_search"),
    path("step-up/", views.step_up, name="step_up"),
    path("<int:pk>/", views.victim_detail, name="victim"),
    path("<int:pk>/link-case/", views.link_case, name="link_case"),
    path("<int:pk>/contact-details/", views.contact_details, name="contact_details"),
    path("<int:pk>/contact-details/change/", views.contact_details_edit,
         name="contact_details_edit"),
    path("<int:pk>/contacts/new/", views.contact_log_create, name="contact_create"),
    path("<int:pk>/disclosures/new/", views.disclosure_create, name="disclosure_create"),
    path("<int:pk>/cases/<int:case_pk>/consultation/", views.consultation,
         name="consultation"),
    path("<int:pk>/cases/<int:case_pk>/follow-ups/new/", views.follow_up_create,
         name="follow_up_create"),
    path("<int:pk>/cases/<int:case_pk>/safeguarding/new/", views.safeguarding_create,
         name="safeguarding_create"),
    path("<int:pk>/cases/<int:case_pk>/information/new/", views.information_create,
         name="information_create"),
    path("alerts/<int:alert_pk>/lift/", views.lift_pause, name="lift_pause"),
    # Police decision makers: outcomes and dated alerts, nothing else.
    path("police/alerts/", police_views.alerts, name="police_alerts"),
    path("police/alerts/<int:pk>/acknowledge/", police_views.acknowledge,
         name="police_acknowledge"),
    path("police/cases/<int:case_pk>/", police_views.case_outcome, name="police_case"),
]
