from django.urls import path

from diversion.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
    # evaluation runs
    path("runs/new/", views.run_new, name="run_new"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/headline/", views.run_headline, name="run_headline"),
    path("runs/<int:pk>/report.html", views.run_report_html, name="run_report_html"),
    path("runs/<int:pk>/report.pdf", views.run_report_pdf, name="run_report_pdf"),
    path("runs/<int:pk>/<slug:table>.csv", views.run_table_csv, name="run_table_csv"),
]
