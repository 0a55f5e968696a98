from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "openmash.health"
    label = "health"
    verbose_name = "Service health"
