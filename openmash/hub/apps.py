from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "openmash.hub"
    label = "hub"
    verbose_name = "Hub configuration"
