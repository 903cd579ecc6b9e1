"""What the log lines of this request or task carry: its id and whose it is (ids only, no names)."""

from contextvars import ContextVar

_context: ContextVar[dict] = ContextVar("monitoring_log_context")


def current() -> dict:
    return _context.get({})


def bind(**values):
    """Start a new context for a request or a task (a fresh dict: a context is never mutated)."""
    _context.set({key: value for key, value in values.items() if value is not None})


def clear(**kwargs):
    _context.set({})
