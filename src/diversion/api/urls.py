"""/api/v1/: every view declares its access rule; all but the reference take a token only."""

from django.urls import path

from diversion.api.views import analysis, commissioning, police, provider, reference

app_name = "api"

urlpatterns = [
    path("v1/schema/", reference.Schema.as_view(), name="schema"),
    path("v1/docs/", reference.Reference.as_view(), name="docs"),
    # police
    path("v1/police/offences/", police.OffencePush.as_view(), name="police_push"),
    path("v1/police/cases/", police.CaseList.as_view(), name="police_cases"),
    path("v1/police/cases/<str:reference>/", police.CaseDetail.as_view(), name="police_case"),
    path("v1/police/cases/<str:reference>/eligibility/", police.Eligibility.as_view(),
         name="police_eligibility"),
    path("v1/police/cases/<str:reference>/consultation/", police.Consultation.as_view(),
         name="police_consultation"),
    path("v1/police/cases/<str:reference>/randomisation/", police.Randomisation.as_view(),
         name="police_randomisation"),
    path("v1/police/cases/<str:reference>/statement-date/", police.StatementDate.as_view(),
         name="police_statement_date"),
    path("v1/police/cases/<str:reference>/victim-view-decision/", police.VictimView.as_view(),
         name="police_victim_view"),
    path("v1/police/cases/<str:reference>/caution/", police.Caution.as_view(),
         name="police_caution"),
    path("v1/police/cases/<str:reference>/breach-decision/", police.Breach.as_view(),
         name="police_breach_decision"),
    # providers
    path("v1/provider/referrals/", provider.ReferralList.as_view(), name="provider_referrals"),
    path("v1/provider/referrals/<str:reference>/", provider.ReferralDetail.as_view(),
         name="provider_referral"),
    path("v1/provider/referrals/<str:reference>/contact-attempts/",
         provider.ContactAttempts.as_view(), name="provider_contact"),
    path("v1/provider/referrals/<str:reference>/bookings/", provider.Bookings.as_view(),
         name="provider_bookings"),
    path("v1/provider/referrals/<str:reference>/assessment/", provider.Assessment.as_view(),
         name="provider_assessment"),
    path("v1/provider/referrals/<str:reference>/questionnaires/<slug:qid>/",
         provider.Questionnaire.as_view(), name="provider_questionnaire"),
    path("v1/provider/referrals/<str:reference>/one-to-ones/", provider.OneToOnes.as_view(),
         name="provider_one_to_ones"),
    path("v1/provider/referrals/<str:reference>/completion/", provider.Completion.as_view(),
         name="provider_completion"),
    path("v1/provider/events/", provider.EventList.as_view(), name="provider_events"),
    path("v1/provider/events/<int:pk>/attendance/", provider.Register.as_view(),
         name="provider_attendance"),
    path("v1/provider/events/<int:pk>/attendance/<int:booking>/correction/",
         provider.AttendanceCorrection.as_view(), name="provider_attendance_correction"),
    # analysts
    path("v1/analysis/runs/", analysis.Runs.as_view(), name="analysis_runs"),
    path("v1/analysis/runs/<int:pk>/", analysis.RunDetail.as_view(), name="analysis_run"),
    # commissioners
    path("v1/commissioning/dashboard/", commissioning.Dashboard.as_view(),
         name="commissioning_dashboard"),
]
