from django.urls import path

from openmash.teams import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("<uuid:team_id>/", views.queue, name="queue"),
    path("routed/<uuid:routing_id>/accept/", views.accept, name="accept"),
    path("routed/<uuid:routing_id>/send-back/", views.send_back, name="send-back"),
    path("handed-over/", views.handed_over, name="handed-over"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.team_edit, name="create"),
    path("manage/<uuid:team_id>/", views.team_edit, name="edit"),
]
