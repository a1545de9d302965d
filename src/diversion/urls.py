"""Every URL here leads to a view that declares its access rule (accounts/policy/rules.py)."""

from django.urls import include, path

# A database outage is a 503 with retry advice; anything else the usual 500 page.
handler500 = "diversion.errors.server_error"
# Under /api/ a 404 is a problem document, as every other API error.
handler404 = "diversion.errors.page_not_found"

urlpatterns = [
    path("", include("diversion.accounts.urls")),
    path("", include("diversion.notifications.urls")),
    path("police/", include("diversion.cases.urls")),
    path("police/", include("diversion.disposals.urls")),
    path("provider/", include("diversion.delivery.urls")),
    path("victims/", include("diversion.victims.urls")),
    path("analysis/", include("diversion.evaluation.urls")),
    path("commissioning/", include("diversion.commissioning.urls")),
    path("users/api-clients/", include("diversion.api.admin_urls")),
    path("users/", include("diversion.administration.urls")),
    path("audit/", include("diversion.audit.urls")),
    path("records-management/", include("diversion.retention.urls")),
    # --- Offence to caution
    path("programmes/", include("diversion.programmes.urls")),
    # records: police crime-record imports and identity linkage
    path("analysis/records/", include("diversion.records.urls")),
    # trials: the trial manager's allocation log
    path("analysis/trials/", include("diversion.trials.urls")),
    # commissioning: the public statistics pages
    path("statistics/", include("diversion.commissioning.public_urls")),
    # api: the REST API, called with API clients' tokens (settings.API_PREFIX)
    path("api/", include("diversion.api.urls")),
]
