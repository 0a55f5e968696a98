from django.urls import path

from openmash.referrals import views

app_name = "referrals"
urlpatterns = [
    path("new/", views.create, name="create"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
]
