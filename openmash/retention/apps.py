from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "openmash.retention"
    label = "retention"
    verbose_name = "Retention and destruction"
