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
    path("<uuid:case_id>/allocate/", views.allocate, name="allocate"),
]
