"""Two deployments for a test: the second one's database, copied from the test's own, and
the people's ways into a deployment's web process (a partner's token, a portal form)."""

import os
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg2
from django.db import connection, connections

HGH = "hgh"  # the destination's database, as the test reads it


@contextmanager
def destination_database():
    """The destination's own database: a copy of this test's as the world left it (hubs,
    tariff, rates, people), readable here as ``HGH``; dropped at the end."""
    source = connection.settings_dict["NAME"]
    name = f"{source}_hgh"[:63]
    server = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    connection.close()  # a template database has no one connected

    def admin(*statements):
        conn = psycopg2.connect(server)
        conn.autocommit = True
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        conn.close()

    admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{source}"',
    )
    # a connection made here, not named in the settings (so the test case's guard of the
    # databases it may touch lets it be)
    wrapper = type(connections["default"])
    connections[HGH] = wrapper({**connection.settings_dict, "NAME": name}, HGH)
    try:
        yield name
    finally:
        connections[HGH].close()
        del connections[HGH]
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_post(browser, url: str, data: dict):
    response = browser.post(
        url,
        data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=20,
    )
    assert response.status_code == 302, response.text[:2000]
    return response
