from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "openmash.reporting"
    label = "reporting"
    verbose_name = "Partnership performance"
