"""The monthly partnership report, kept as the PDF the worker made (the reporting app only reads the
hub's records; this is its own output)."""

from __future__ import annotations

from django.db import models


class MonthlyReport(models.Model):
    month = models.DateField(unique=True, help_text="The first day of the month the report covers.")
    pdf = models.BinaryField()
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Partnership report for {self.month:%B %Y}"
