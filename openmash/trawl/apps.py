from django.apps import AppConfig


class TrawlConfig(AppConfig):
    name = "openmash.trawl"
    label = "trawl"
    verbose_name = "Trawl of agency records"
