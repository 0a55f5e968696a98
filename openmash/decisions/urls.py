from django.urls import path

from openmash.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:case_id>/", views.record, name="record"),
    path("challenge/<uuid:notice_id>/", views.challenge_raise, name="challenge"),
    path("challenges/<uuid:challenge_id>/", views.challenge_answer, name="challenge-answer"),
]
