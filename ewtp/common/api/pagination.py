from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination as BaseCursorPagination

from ..errors import CommonErrorCode


class CursorPagination(BaseCursorPagination):
    """Stable pages under concurrent inserts; oldest first by id.

    Stricter than DRF's: a page size that is not 1..max or a cursor that was not issued by
    the hub is a 400 naming the parameter, not silently ignored or a 404.
    """

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_description = (
        "Where the page starts: the `cursor` of a `next` or `previous` link as given. Any "
        "other value is a 400."
    )

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # isdecimal() alone admits digits like "²" that int() refuses
        if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                },
                code=CommonErrorCode.INVALID,
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError) as exc:
            # a well-formed cursor whose position does not fit the ordering field
            raise self._bad_cursor() from exc

    def _bad_cursor(self):
        return ValidationError(
            {
                self.cursor_query_param: [
                    "Invalid cursor: pass the `next` or `previous` URL as given."
                ]
            },
            code=CommonErrorCode.INVALID,
        )

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound for any undecodable cursor
            raise self._bad_cursor() from exc

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Rows per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
        return parameters

    def get_paginated_response_schema(self, schema):
        link = {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "description": "The URL of the page after (before) this one; null on the last "
            "(first) page.",
        }
        return {
            "type": "object",
            "description": "One page of rows; follow `next` for the rest.",
            "properties": {"next": link, "previous": link, "results": schema},
            "required": ["next", "previous", "results"],
        }
