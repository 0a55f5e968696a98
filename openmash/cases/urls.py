from django.urls import path

from openmash.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("screening/", views.queue, name="queue"),
    path("<uuid:case_id>/", views.detail, name="detail"),
    path("<uuid:case_id>/screen/", views.screen, name="screen"),
    path("<uuid:case_id>/rerate/", views.rerate, name="rerate"),
    path("<uuid:case_id>/ask/", views.ask_further, name="ask-further"),
    path("triage/", views.triage, name="triage"),
    path("<uuid:case_id>/keyworker/", views.keyworker, name="keyworker"),
    path("<uuid:case_id>/hand-over/", views.hand_over, name="hand-over"),
    path("<uuid:case_id>/route-again/", views.route_again, name="route-again"),
    path("<uuid:case_id>/allocate/", views.allocate, name="allocate"),
]
