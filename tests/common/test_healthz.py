import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from celery import current_app

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(current_app, "connection_for_write", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == {
        "ok": False,
        "transport": body["checks"]["broker"]["transport"],
        "error": "ConnectionRefusedError",
    }
    assert body["checks"]["database"]["ok"] is True


# --- /livez and /readyz (ewtp/common/health.py) ----------------------------------------------


@pytest.fixture
def beat_on_redis(settings):
    """A hub whose beat runs on Redis: /readyz checks its heartbeat."""
    settings.CELERY_REDBEAT_KEY_PREFIX = "tests-readyz:"
    settings.CELERY_REDBEAT_REDIS_URL = "redis://127.0.0.1:9/0"  # never reached: read is faked
    settings.BEAT_STALE_AFTER = 120
    return settings


def heartbeat_of_age(monkeypatch, age_seconds):
    from ewtp.common import health

    heartbeat = {"age_seconds": age_seconds, "host": "beat-1", "pid": 4242}
    monkeypatch.setattr(health, "beat_heartbeat_read", lambda: heartbeat)


def test_readyz_is_200_with_a_fresh_beat_heartbeat(client, beat_on_redis, monkeypatch):
    heartbeat_of_age(monkeypatch, 4.2)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["beat"] == {
        "ok": True,
        "applicable": True,
        "age_seconds": 4.2,
        "stale_after_seconds": 120,
    }
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_readyz_is_503_when_the_beat_heartbeat_is_stale(client, beat_on_redis, monkeypatch):
    heartbeat_of_age(monkeypatch, 121.0)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["beat"]["ok"] is False
    assert body["checks"]["beat"]["age_seconds"] == 121.0
    assert body["checks"]["database"]["ok"] is True  # only the beat is down


def test_readyz_is_503_when_no_beat_ever_ticked(client, beat_on_redis, monkeypatch):
    from ewtp.common import health

    monkeypatch.setattr(health, "beat_heartbeat_read", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {
        "ok": False,
        "applicable": True,
        "error": "no_heartbeat",
    }


def test_readyz_is_503_when_the_heartbeat_cannot_be_read(client, beat_on_redis):
    # the real reader, against a closed loopback port
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {
        "ok": False,
        "applicable": True,
        "error": "ConnectionError",
    }


def test_readyz_reports_the_beat_not_applicable_without_a_redis_beat(client, settings):
    if hasattr(settings, "CELERY_REDBEAT_KEY_PREFIX"):
        del settings.CELERY_REDBEAT_KEY_PREFIX
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["beat"] == {"ok": True, "applicable": False}


def test_healthz_reports_a_stale_beat_but_still_serves(client, beat_on_redis, monkeypatch):
    heartbeat_of_age(monkeypatch, 3600.0)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "broker"}
    assert response.json()["beat"]["ok"] is False  # read and said, for whoever looks
    assert response.json()["beat"]["age_seconds"] == 3600.0


def unreachable(*args, **kwargs):
    raise ConnectionRefusedError("not answering")


def test_livez_is_200_with_the_database_and_broker_down(client, monkeypatch):
    from celery import current_app
    from django.db import connection

    monkeypatch.setattr(connection, "cursor", unreachable)
    monkeypatch.setattr(current_app, "connection_for_write", unreachable)
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # the negative control: the same request to /readyz sees the database down
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "ConnectionRefusedError"
