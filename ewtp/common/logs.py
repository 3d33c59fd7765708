"""What every log line says about where it came from: the request it served and the Celery
task it ran in, so that one request's lines, and the tasks it set off, can be found together
in the logs of web and workers alike.

The ids live in context variables: the request-id middleware (ewtp.common.middleware) sets
the request's, the Celery signals connected in ewtp/celery.py set the task's (and the id of
the request that sent the task, carried in the message's headers). ``LogContextFilter``,
on the one console handler (ewtp/settings/observability.py), copies them onto each record;
``JsonFormatter`` writes a record as one JSON object (LOG_FORMAT=json).
"""

import logging
import re
import uuid
from contextvars import ContextVar, Token

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
task_id_var: ContextVar[str] = ContextVar("task_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or a client may name its request by (a UUID, nginx's $request_id, a trace id):
# letters, digits and a few separators. Anything else, control characters and spaces that
# would forge a log line included, is replaced by an id of the hub's own.
_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(header_value: str | None) -> str:
    """The caller's request id when it is well formed, else a new one."""
    if header_value and _WELL_FORMED_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class LogContextFilter(logging.Filter):
    """Puts ``request_id`` and ``task_id`` on every record ("" outside a request or a task),
    and ``context``, the two as text for the plain format. A record that carries its own
    (``extra={"task_id": …}``) keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "task_id"):
            record.task_id = task_id_var.get()
        parts = [
            f"{name}={value}"
            for name, value in (("request_id", record.request_id), ("task_id", record.task_id))
            if value
        ]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line. Django hands its request object to the loggers of failed
    requests (``extra={"request": …}``): its text would repeat the path the message already
    gives, with the query string, so it is left out, as is the plain format's ``context``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "context"])
        super().__init__(*args, **kwargs)


# The task ids of the tasks running in this process, innermost last, each with what to put
# back when it ends (an eager task runs inside its caller's task or request).
_task_tokens: dict[str, list[tuple[Token, Token | None]]] = {}


def task_context_enter(task_id: str, request_id: str = "") -> None:
    """The task ``task_id`` starts in this process; ``request_id``: the request that sent it."""
    task_token = task_id_var.set(task_id or "")
    request_token = request_id_var.set(request_id) if request_id else None
    _task_tokens.setdefault(task_id, []).append((task_token, request_token))


def task_context_leave(task_id: str) -> None:
    tokens = _task_tokens.get(task_id)
    if not tokens:
        return
    task_token, request_token = tokens.pop()
    if not tokens:
        del _task_tokens[task_id]
    try:
        if request_token is not None:
            request_id_var.reset(request_token)
        task_id_var.reset(task_token)
    except ValueError:
        # set in another context (a thread pool's worker thread): nothing to put back there
        task_id_var.set("")
