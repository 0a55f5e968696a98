"""Structured logs: one JSON object a line on standard output, for journald or a log collector.

Each line has the time (UTC, ISO 8601), level, logger, message and, for an exception, its traceback.
Log messages name no person: the code logs references, never personal data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FIELDS = ("time", "level", "logger", "message")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
