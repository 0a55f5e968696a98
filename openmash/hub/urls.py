from django.urls import path

from openmash.hub import views

app_name = "hub"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("settings/", views.settings_edit, name="settings"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/new/", views.agency_create, name="agency-create"),
    path("agencies/<uuid:agency_id>/", views.agency_edit, name="agency-edit"),
    path("response-times/", views.response_times, name="response-times"),
    path("response-times/<str:rating>/", views.response_time_edit, name="response-time-edit"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("thresholds/<int:number>/", views.threshold_level_edit, name="threshold-level"),
    path(
        "thresholds/indicators/<uuid:indicator_id>/remove/",
        views.threshold_indicator_remove,
        name="threshold-indicator-remove",
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/closures/", views.closure_add, name="closure-add"),
    path("calendar/closures/<uuid:closure_id>/remove/", views.closure_remove, name="closure-remove"),
]
