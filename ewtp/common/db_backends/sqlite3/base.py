"""django-prometheus' SQLite backend, with its counting cursor class made once per connection.

Its ``create_cursor`` builds a new wrapper class for every cursor, so every query on SQLite
ran a class statement (a few per cent of the demo seeder's time, which makes some hundred
thousand queries). The class depends only on the connection's alias and vendor, so one
serves every cursor of the connection, its metric series looked up once
(ewtp.common.db_backends.counted).
"""

from django_prometheus.db.backends.sqlite3 import base

from ..counted import counted_cursor_class


class DatabaseWrapper(base.DatabaseWrapper):
    _cursor_class = None

    def create_cursor(self, name=None):
        if self._cursor_class is None:
            self._cursor_class = counted_cursor_class(self.CURSOR_CLASS, self.alias, self.vendor)
        return self.connection.cursor(factory=self._cursor_class)
