"""Requests refused before any view sees them."""

from django.http import HttpResponseBadRequest

from .api.problems import problem_json_response


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never meaningful, and PostgreSQL refuses
    it in any text it is asked to compare: answer 400 instead of letting a lookup fail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return problem_json_response(
                    400, "The URL contains a NUL character.", "bad_request"
                )
            return HttpResponseBadRequest("The URL contains a NUL character.")
        return self.get_response(request)
