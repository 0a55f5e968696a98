"""The API for agency systems, version 1: referrals in, their status and outcome out."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from openmash.referrals import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("referrals/", api.ReferralCollection.as_view(), name="api-referrals"),
    path("referrals/<str:reference>/", api.ReferralDetail.as_view(), name="api-referral"),
]
