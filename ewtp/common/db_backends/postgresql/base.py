"""django-prometheus' PostgreSQL backend, its cursor's metric series looked up once per
connection (ewtp.common.db_backends.counted)."""

from django_prometheus.db.backends.postgresql import base

from ..counted import counted_cursor_class


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        # Django's parameters, past django-prometheus' override (which wraps the cursor
        # factory in its own counting class: it would count every query twice)
        params = super(base.DatabaseWrapper, self).get_connection_params()
        params["cursor_factory"] = counted_cursor_class(
            params["cursor_factory"], self.alias, self.vendor
        )
        return params
