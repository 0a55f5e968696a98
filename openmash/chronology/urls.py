from django.urls import path

from openmash.chronology import views

app_name = "chronology"
urlpatterns = [
    path("<uuid:case_id>/", views.case_chronology, name="case"),
    path("<uuid:case_id>/chronology.csv", views.case_chronology_csv, name="csv"),
]
