from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "openmash.feedback"
    label = "feedback"
