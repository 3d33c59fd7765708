from rest_framework.pagination import CursorPagination as BaseCursorPagination


class CursorPagination(BaseCursorPagination):
    """Stable pages under concurrent inserts; the default ordering is oldest first by id."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 200
