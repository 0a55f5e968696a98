from django.urls import path

from openmash.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("schedule/", views.schedule, name="schedule"),
    path("<uuid:meeting_id>/", views.detail, name="detail"),
    path("<uuid:meeting_id>/agenda/", views.agenda_view, name="agenda"),
    path("<uuid:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("<uuid:meeting_id>/start/", views.start, name="start"),
    path("<uuid:meeting_id>/close/", views.close, name="close"),
    path("<uuid:meeting_id>/screen/", views.screen, name="screen"),
    path("<uuid:meeting_id>/discussed/", views.discussed, name="discussed"),
    path("<uuid:meeting_id>/minutes/", views.minutes, name="minutes"),
]
