from django.urls import path

from openmash.people import views

app_name = "people"
urlpatterns = [
    path("<uuid:case_id>/", views.case_people, name="case"),
    path("<uuid:case_id>/add-person/", views.person_add, name="person_add"),
    path("<uuid:case_id>/relationships/add/", views.relationship_add, name="relationship_add"),
    path(
        "<uuid:case_id>/relationships/<uuid:relationship_id>/remove/",
        views.relationship_remove,
        name="relationship_remove",
    ),
    path("<uuid:case_id>/households/add/", views.household_save, name="household_add"),
    path("<uuid:case_id>/households/<uuid:household_id>/", views.household_save, name="household_change"),
    path("<uuid:case_id>/people/<uuid:person_id>/change/", views.person_change, name="person_change"),
    path("<uuid:case_id>/people/<uuid:person_id>/remove/", views.person_remove, name="person_remove"),
    path("<uuid:case_id>/people/<uuid:person_id>/identifier/", views.identifier_add, name="identifier_add"),
    path(
        "<uuid:case_id>/people/<uuid:person_id>/identifiers/<uuid:identifier_id>/",
        views.identifier_change,
        name="identifier_change",
    ),
    path("<uuid:case_id>/people/<uuid:person_id>/address/", views.address_add, name="address_add"),
    path("<uuid:case_id>/genogram/", views.genogram, name="genogram"),
    path("<uuid:case_id>/genogram.svg", views.genogram_download, name="genogram_svg"),
]
