from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "openmash.chronology"
    label = "chronology"
    verbose_name = "Multi-agency chronology"
