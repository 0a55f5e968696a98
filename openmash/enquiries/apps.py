from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "openmash.enquiries"
    label = "enquiries"
