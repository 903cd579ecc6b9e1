"""LOG_FORMAT=json: one JSON object a line, which a log collector reads without parsing prose."""

import datetime
import json
import logging

from monitoring.context import current


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes the newlines of a traceback: the record stays on one line.
        return json.dumps(entry, ensure_ascii=False, default=str)
