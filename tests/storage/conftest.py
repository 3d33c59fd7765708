"""An S3-compatible server on loopback (moto's), a bucket of each test's own, and the hub's
uploads stored there through the settings the environment would give."""

import uuid

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from ewtp.settings.storage import uploads_storage
from tests.processes import free_port

# moto takes any key pair; the hub signs with these and the test checks against them
ACCESS_KEY, SECRET_KEY, REGION = "hub-test-key", "hub-test-secret", "us-east-1"


def s3_environment(endpoint: str, bucket: str, **more: str) -> dict[str, str]:
    """What an operator sets for an S3-compatible server reached at ``endpoint``."""
    return {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": REGION,
        "STORAGE_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "STORAGE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "STORAGE_S3_ADDRESSING_STYLE": "path",
        **more,
    }


def s3_client(endpoint: str):
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    ).client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    name = f"hub-uploads-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_uploads(settings, monkeypatch, s3_endpoint, s3_bucket):
    """The default storage as STORAGE_S3_* would make it, at the loopback server; the names
    of the environment it was made from are returned, to vary them."""

    def configure(**more: str) -> dict[str, str]:
        environment = s3_environment(s3_endpoint, s3_bucket, **more)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        settings.STORAGES = {**settings.STORAGES, "default": uploads_storage()}
        return environment

    return configure
