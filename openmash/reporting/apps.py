from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "openmash.reporting"
    label = "reporting"
    verbose_name = "Partnership performance"

    def ready(self) -> None:
        from openmash.core.warmup import add_step
        from openmash.reporting.charts import warm

        # A web process starts the chart engine while it warms up, under runserver as under gunicorn.
        add_step("charts", warm)
