from django.urls import path

from openmash.product import views

app_name = "product"
urlpatterns = [
    path("<uuid:case_id>/", views.case_product, name="case"),
    path("<uuid:case_id>/pack.pdf", views.case_pack, name="pack"),
]
