from django.apps import AppConfig


class ProductConfig(AppConfig):
    name = "openmash.product"
    label = "product"
    verbose_name = "Case product"
