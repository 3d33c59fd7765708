"""Every API error as ``application/problem+json`` (RFC 9457).

Body: ``type``, ``title``, ``status``, ``detail``, ``code`` and, for invalid input,
``errors``: a list of ``{"field": "amount", "message": "...", "code": "invalid"}`` with
dotted paths for nested fields ("lines.0.quantity").
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..errors import ApplicationError, CommonErrorCode

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ewtp-hub.example/problems/"

TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem_body(*, status_code: int, detail: str, code: str, errors: list | None = None) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def field_errors(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested ValidationError detail into a list of field errors."""
    if isinstance(detail, dict):
        out = []
        for name, value in detail.items():
            # list serializers key their items by index (0 is a name too, not "no name")
            field = "" if name == "non_field_errors" else str(name)
            out += field_errors(value, f"{prefix}.{field}".strip(".") if field else prefix)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [_one(prefix, item) for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += field_errors(item, f"{prefix}.{index}".strip("."))
        return out
    return [_one(prefix, detail)]


def _one(field: str, message) -> dict:
    return {
        "field": field or None,
        "message": str(message),
        "code": getattr(message, "code", CommonErrorCode.INVALID),
    }


def _from_django(exc):
    """Map Django's own exceptions to DRF's, so they get the same treatment."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    return exc


def problem_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        field = exc.extra.get("field")
        errors = [{"field": field, "message": exc.message, "code": exc.code}] if field else None
        body = problem_body(
            status_code=exc.status, detail=exc.message, code=exc.code, errors=errors
        )
        body.update({k: v for k, v in exc.extra.items() if k != "field"})
        return _problem_response(body, exc.status)

    exc = _from_django(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's handler500 answers with problem+json (ewtp.urls)

    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        body = problem_body(
            status_code=400,
            detail=_("The request has invalid fields; see errors."),
            code=CommonErrorCode.INVALID,
            errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, exceptions.ErrorDetail):
            code = detail.code or code
        body = problem_body(status_code=response.status_code, detail=str(detail), code=code)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _problem_response(body: dict, status_code: int) -> Response:
    response = Response(body, status=status_code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_json_response(status_code: int, detail: str, code: str) -> JsonResponse:
    """For errors raised outside DRF (URL not found, server error) under /api/."""
    return JsonResponse(
        problem_body(status_code=status_code, detail=detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


@csrf_exempt  # an unknown URL is a 404 whatever the method, never a CSRF page
def api_not_found(request, exception=None):
    return problem_json_response(
        status.HTTP_404_NOT_FOUND, f"No API endpoint at {request.path}.", "not_found"
    )


def api_server_error(request):
    return problem_json_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "The hub failed to handle this request. It has been logged; retry later.",
        "server_error",
    )
