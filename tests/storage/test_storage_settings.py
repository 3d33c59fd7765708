"""Where uploads go is the environment's choice: object storage with STORAGE_S3_BUCKET,
the filesystem under MEDIA_ROOT without it (ewtp/settings/storage.py)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ewtp.settings.storage import signed_url_origin, uploads_storage

from .conftest import s3_environment


@pytest.fixture
def environment(monkeypatch):
    for name in [name for name in os.environ if name.startswith("STORAGE_S3_")]:
        monkeypatch.delenv(name)

    def set_to(values: dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_to


def test_without_a_bucket_uploads_are_files_on_this_machine(environment):
    assert uploads_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert signed_url_origin(uploads_storage()) == ""


def test_a_bucket_makes_private_object_storage_with_short_signed_urls(environment):
    environment(s3_environment("http://minio:9000", "hub-uploads"))
    storage = uploads_storage()
    assert storage["BACKEND"] == "ewtp.common.private_files.PrivateS3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "hub-uploads",
        "endpoint_url": "http://minio:9000",
        "public_endpoint_url": None,
        "region_name": "us-east-1",
        "access_key": "hub-test-key",
        "secret_key": "hub-test-secret",
        "addressing_style": "path",
        "location": "",
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "max_memory_size": 8 * 2**20,
    }
    assert signed_url_origin(storage) == "http://minio:9000"


def test_aws_needs_no_endpoint_nor_keys(environment):
    """On AWS the instance's role gives the keys, and the bucket is named in the host."""
    environment({"STORAGE_S3_BUCKET": "hub-uploads", "STORAGE_S3_REGION": "eu-west-1"})
    storage = uploads_storage()
    assert storage["OPTIONS"]["endpoint_url"] is None
    assert storage["OPTIONS"]["access_key"] is None and storage["OPTIONS"]["secret_key"] is None
    assert storage["OPTIONS"]["addressing_style"] is None
    assert signed_url_origin(storage) == "https://hub-uploads.s3.amazonaws.com"


def test_signed_urls_name_the_endpoint_browsers_reach(environment):
    environment(
        s3_environment(
            "http://minio:9000",
            "hub-uploads",
            STORAGE_S3_PUBLIC_ENDPOINT_URL="https://files.hub.example",
            STORAGE_S3_URL_EXPIRE_SECONDS="60",
            STORAGE_S3_PREFIX="/kul/",
        )
    )
    storage = uploads_storage()
    assert storage["OPTIONS"]["public_endpoint_url"] == "https://files.hub.example"
    assert storage["OPTIONS"]["querystring_expire"] == 60
    assert storage["OPTIONS"]["location"] == "kul"
    assert signed_url_origin(storage) == "https://files.hub.example"


@pytest.mark.parametrize(
    "wrong",
    [
        {"STORAGE_S3_ACCESS_KEY_ID": "only-the-key"},
        {"STORAGE_S3_ADDRESSING_STYLE": "sideways"},
        {"STORAGE_S3_URL_EXPIRE_SECONDS": "86400"},  # a day-long credential
        {"STORAGE_S3_URL_EXPIRE_SECONDS": "0"},
    ],
)
def test_a_half_or_wrong_configuration_stops_the_start(environment, wrong):
    environment({"STORAGE_S3_BUCKET": "hub-uploads", **wrong})
    with pytest.raises(ImproperlyConfigured):
        uploads_storage()


def test_tests_keep_uploads_in_memory():
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.InMemoryStorage"


def storages_of(module: str, **environment: str) -> list[str]:
    """The uploads storage and MEDIA_ROOT a process started with ``environment`` uses."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.STORAGES['default']['BACKEND'], settings.MEDIA_ROOT, "
        "settings.STORAGES['staticfiles']['BACKEND'], settings.STORAGE_SIGNED_URL_ORIGIN, "
        "sep='|')"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_S3_", "MEDIA_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **environment},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip().split("|")


def test_production_stores_uploads_in_the_bucket_and_keeps_whitenoise(tmp_path):
    production = {
        "DJANGO_SECRET_KEY": "x7#kq!v2@Lr9$wPz&eY4^mN8*tB3(hJ6)cF1_sD5+gU0=aQ-iO",
        "DJANGO_ALLOWED_HOSTS": "hub.example.com",
        "DATABASE_URL": "postgres://hub:hub@db.invalid:5432/hub",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    backend, _root, static, origin = storages_of(
        "ewtp.settings.production",
        **production,
        **s3_environment(
            "http://minio:9000",
            "hub-uploads",
            STORAGE_S3_PUBLIC_ENDPOINT_URL="https://files.hub.example",
        ),
    )
    assert backend == "ewtp.common.private_files.PrivateS3Storage"
    assert static == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert origin == "https://files.hub.example"
    backend, root, _static, origin = storages_of(
        "ewtp.settings.production", **production, MEDIA_ROOT=str(tmp_path)
    )
    assert (backend, root, origin) == (
        "django.core.files.storage.FileSystemStorage",
        str(tmp_path),
        "",
    )
