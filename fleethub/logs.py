"""Logging set-up: text or one JSON object per line, with secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import orjson

# SAS signatures and keys must never reach a log line, whatever logged them.
_SECRETS = re.compile(r"(sig=|SharedAccessKey=|primaryKey\W+|secondaryKey\W+)[^&;\s\"']+")


def redact(text: str) -> str:
    """>>> redact("sr=h&sig=abc%3D&se=1")
    'sr=h&sig=***&se=1'
    """
    return _SECRETS.sub(r"\1***", text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            body["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(body).decode()


def setup(fmt: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every outbound request at INFO: a hub import would log one line per device.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    # Migrations report every step at INFO; only their problems matter in a node's log.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
