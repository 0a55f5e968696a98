from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "openmash.teams"
    label = "teams"
