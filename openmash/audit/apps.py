from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openmash.audit"
    label = "audit"
    verbose_name = "Audit trail"
