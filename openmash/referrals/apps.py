from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "openmash.referrals"
    label = "referrals"
