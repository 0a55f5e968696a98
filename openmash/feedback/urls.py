from django.urls import path

from openmash.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.outcomes, name="outcomes"),
    path("<uuid:notice_id>/note/", views.outcome_note, name="note"),
    path("<uuid:notice_id>/failed/", views.failed_notice, name="failed"),
    path("<uuid:notice_id>/resend/", views.resend_notice, name="resend"),
    path("<uuid:notice_id>/give-up/", views.give_up_notice, name="give-up"),
]
