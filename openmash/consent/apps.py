from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "openmash.consent"
    label = "consent"
    verbose_name = "Consent, lawful basis and disclosures"
