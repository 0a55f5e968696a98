from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "openmash.cases"
    label = "cases"
