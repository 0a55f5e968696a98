from django.urls import path

from openmash.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:case_id>/", views.record, name="record"),
]
