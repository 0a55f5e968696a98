from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo hub: the top floor, the only app that builds on the synthetic-data package."""

    name = "openmash.demo"
    verbose_name = "Synthetic demo hub"
