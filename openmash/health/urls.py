from django.urls import path

from openmash.health import views

app_name = "health"
urlpatterns = [
    # No trailing slash: probes rarely follow redirects.
    path("health/live", views.live, name="live"),
    path("health/ready", views.ready, name="ready"),
    path("hub/background-work/", views.background_work, name="background-work"),
]
