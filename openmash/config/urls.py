from django.urls import include, path

urlpatterns = [
    path("", include("openmash.accounts.urls")),
    path("", include("openmash.health.urls")),
    path("hub/", include("openmash.hub.urls")),
    path("audit/", include("openmash.audit.urls")),
    path("referrals/", include("openmash.referrals.urls")),
    path("cases/", include("openmash.cases.urls")),
    path("requests/", include("openmash.enquiries.urls")),
    path("requests/", include("openmash.trawl.urls")),
    path("hub/sources/", include("openmash.sources.urls")),
    path("decisions/", include("openmash.decisions.urls")),
    path("outcomes/", include("openmash.feedback.urls")),
    path("consent/", include("openmash.consent.urls")),
    path("chronology/", include("openmash.chronology.urls")),
    path("people/", include("openmash.people.urls")),
    path("product/", include("openmash.product.urls")),
    path("meetings/", include("openmash.meetings.urls")),
    path("teams/", include("openmash.teams.urls")),
    path("reporting/", include("openmash.reporting.urls")),
    path("retention/", include("openmash.retention.urls")),
    path("api/v1/", include("openmash.referrals.api_urls")),
]

handler403 = "openmash.core.views.forbidden"
handler404 = "openmash.core.views.not_found"
handler400 = "openmash.core.views.bad_request"
handler500 = "openmash.core.views.server_error"
