from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "openmash.decisions"
    label = "decisions"
