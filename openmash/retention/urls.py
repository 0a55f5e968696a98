from django.urls import path

from openmash.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kind>/", views.rule_edit, name="rule-edit"),
    path("holds/", views.holds, name="holds"),
    path("cases/<uuid:case_id>/hold/", views.hold_place, name="hold-place"),
    path("holds/<uuid:hold_id>/lift/", views.hold_lift, name="hold-lift"),
    path("destroyed/", views.destroyed, name="destroyed"),
    path("destroyed/<uuid:record_id>/", views.destroyed_detail, name="destroyed-detail"),
]
