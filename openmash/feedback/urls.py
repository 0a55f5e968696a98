from django.urls import path

from openmash.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.outcomes, name="outcomes"),
    path("<uuid:notice_id>/note/", views.outcome_note, name="note"),
]
