from django.urls import include, path

urlpatterns = [
    path("", include("openmash.accounts.urls")),
    path("hub/", include("openmash.hub.urls")),
    path("audit/", include("openmash.audit.urls")),
]

handler403 = "openmash.core.views.forbidden"
handler404 = "openmash.core.views.not_found"
