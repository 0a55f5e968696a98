from django.urls import path

from openmash.trawl import views

app_name = "trawl"
urlpatterns = [
    path("<uuid:request_id>/trawl/", views.trawl_page, name="page"),
    path("<uuid:request_id>/trawl/run/", views.trawl_run, name="run"),
    path("<uuid:request_id>/trawl/progress/", views.trawl_progress, name="progress"),
    path("<uuid:request_id>/trawl/add-person/", views.person_add, name="add-person"),
    path("<uuid:request_id>/trawl/candidates/<uuid:candidate_id>/", views.candidate_decide, name="decide"),
    path(
        "<uuid:request_id>/trawl/candidates/<uuid:candidate_id>/record/",
        views.candidate_record,
        name="record",
    ),
    path("<uuid:request_id>/trawl/items/<uuid:item_id>/remove/", views.item_remove, name="remove-item"),
    path("<uuid:request_id>/trawl/items/<uuid:item_id>/edit/", views.item_edit, name="edit-item"),
]
