"""Production settings pass Django's deployment checks and refuse to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "ewtp.settings.production",
    "DJANGO_SECRET_KEY": "x7#kq!v2@Lr9$wPz&eY4^mN8*tB3(hJ6)cF1_sD5+gU0=aQ-iO",
    "DJANGO_ALLOWED_HOSTS": "hub.example.com",
    "DATABASE_URL": "postgres://hub:hub@db.invalid:5432/hub",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def manage(*args, env):
    # only what a production process would have: no test-only switches of this process
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and not k.startswith(("DJANGO_", "PYTEST_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
