"""Two deployments for a test: the second one's database, copied from the test's own, and
a portal form posted to a deployment's web process."""

import subprocess
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg2
from django.db import connection, connections

from tests.processes import database_url_of_this_test

HGH = "hgh"  # the destination's database, as the test reads it


@contextmanager
def destination_database(workdir):
    """The destination's own database: a copy of this test's as the world left it (hubs,
    tariff, rates, people), readable here as ``HGH``; dropped at the end. Copied with
    pg_dump and pg_restore: other sessions of the test run may hold the test's database,
    which rules out copying it as a template."""
    source = database_url_of_this_test()
    name = f"{connection.settings_dict['NAME']}_hgh"[:63]
    server = urlsplit(source)._replace(path="/postgres").geturl()
    target = urlsplit(source)._replace(path=f"/{name}").geturl()

    def admin(*statements):
        conn = psycopg2.connect(server)
        conn.autocommit = True
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        conn.close()

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    dump = workdir / "origin.dump"
    for command in (
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={source}"],
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
    ):
        subprocess.run(command, check=True, capture_output=True, timeout=300)
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
