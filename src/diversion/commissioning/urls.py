from django.urls import path

from diversion.commissioning import views

app_name = "commissioning"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.<str:fmt>", views.dashboard_export, name="dashboard_export"),
    path("regional/", views.regional_view, name="regional"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_edit, name="contract_edit"),
    path("unit-costs/", views.unit_costs, name="unit_costs"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("releases/<int:pk>/release.pdf", views.release_pdf, name="release_pdf"),
    path("releases/<int:pk>/publish/", views.release_publish, name="release_publish"),
]
