from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "openmash.sources"
    label = "sources"
    verbose_name = "Agency data sources"
