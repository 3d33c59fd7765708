"""django-prometheus' counting cursor, with each connection's labelled series looked up once.

The library's cursor looks up its counter and histogram series by label on every query (a
few per cent of an ORM-heavy job such as the demo seeder); the series of a connection's
alias and vendor never change, so the cursor class made per connection holds them. The
metrics and their labels are the library's own, so /metrics reads the same.
"""

from django_prometheus.db import (
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)


def counted_cursor_class(cursor_class: type, alias: str, vendor: str) -> type:
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    def failed(error: Exception) -> None:
        errors_total.labels(alias, vendor, type(error).__name__).inc()

    class CountedCursor(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            try:
                with duration.time():
                    return super().execute(*args, **kwargs)
            except Exception as error:
                failed(error)
                raise

        def executemany(self, query, param_list, *args, **kwargs):
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            try:
                with duration.time():
                    return super().executemany(query, param_list, *args, **kwargs)
            except Exception as error:
                failed(error)
                raise

    return CountedCursor
