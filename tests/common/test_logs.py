"""Log lines name their request and their task: JSON when LOG_FORMAT=json, plain otherwise;
the request id comes from a well-formed X-Request-ID or is made, and is echoed back."""

import io
import json
import logging
import logging.config
import re

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from ewtp.celery import app as celery_app
from ewtp.common.logs import request_id_var, task_id_var
from ewtp.settings.observability import logging_config

WITH_REQUEST_IDS = ["ewtp.common.middleware.RequestIdMiddleware", *settings.MIDDLEWARE]
logger = logging.getLogger("tests.logs")


@celery_app.task(name="tests.logs_something")
def log_something():
    logger.warning("inside the task")


@pytest.fixture
def json_lines():
    """The root logger's lines as the JSON format writes them, in a list of dicts."""
    config = logging_config("json")
    config["handlers"]["console"]["stream"] = stream = io.StringIO()
    config["root"]["level"] = "INFO"
    logging.config.dictConfig(config)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
@override_settings(MIDDLEWARE=WITH_REQUEST_IDS)
def test_a_json_line_carries_the_request_id_the_proxy_sent(client, json_lines):
    response = client.get("/no-such-page", HTTP_X_REQUEST_ID="edge-4f2a9c1e-0001")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-4f2a9c1e-0001"
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["request_id"] == "edge-4f2a9c1e-0001" and line["task_id"] == ""
    assert line["level"] == "WARNING" and line["message"] == "Not Found: /no-such-page"
    assert "request" not in line and "time" in line
    assert request_id_var.get() == ""  # the request's id ends with it


@pytest.mark.django_db
@override_settings(MIDDLEWARE=WITH_REQUEST_IDS)
@pytest.mark.parametrize("sent", ["", "short", "has space-1234567", "line\nbreak-123456", "é" * 20])
def test_a_missing_or_malformed_request_id_is_replaced(client, sent):
    headers = {"HTTP_X_REQUEST_ID": sent} if sent else {}
    response = client.get("/healthz", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_json_line_carries_the_task_id_and_the_request_that_sent_it(json_lines):
    token = request_id_var.set("request-of-the-task-1")
    try:
        result = log_something.delay()  # eager in the tests: the same signals run
    finally:
        request_id_var.reset(token)
    (line,) = [line for line in json_lines() if line["message"] == "inside the task"]
    assert line["task_id"] == result.id
    assert line["request_id"] == "request-of-the-task-1"
    assert task_id_var.get() == ""  # the task's id ends with it


def test_a_plain_line_names_the_ids_when_there_are_any():
    config = logging_config("plain")
    config["handlers"]["console"]["stream"] = stream = io.StringIO()
    logging.config.dictConfig(config)
    try:
        logging.getLogger("tests.logs").warning("outside")
        token = request_id_var.set("req-12345678")
        logging.getLogger("tests.logs").warning("inside")
        request_id_var.reset(token)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    outside, inside = stream.getvalue().splitlines()
    assert outside.endswith("tests.logs outside")
    assert inside.endswith("tests.logs inside [request_id=req-12345678]")


def test_an_unknown_log_format_stops_the_settings():
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_config("xml")
