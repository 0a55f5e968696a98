from django.urls import path

from openmash.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_create, name="create"),
    path("<uuid:source_id>/", views.source_detail, name="detail"),
    path("<uuid:source_id>/change/", views.source_edit, name="edit"),
    path("<uuid:source_id>/columns/", views.source_mapping, name="mapping"),
    path("<uuid:source_id>/load/", views.source_load, name="load-new"),
    path("<uuid:source_id>/loads/<uuid:load_id>/", views.load_detail, name="load"),
    path("<uuid:source_id>/loads/<uuid:load_id>/progress/", views.load_progress, name="load-progress"),
]
