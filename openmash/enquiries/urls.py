from django.urls import path

from openmash.enquiries import views

app_name = "enquiries"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:request_id>/", views.detail, name="detail"),
    path("<uuid:request_id>/take/", views.take, name="take"),
    path("<uuid:request_id>/nil/", views.nil_return, name="nil-return"),
]
