"""Uploads: where KYC documents, customs documents, product import files and listing pictures
live, and how a person gets one back.

Every read and write of an upload goes through Django's storage API (``field.open("rb")``,
``field.save``, ``default_storage``), never a path on this machine: the process that reads a
file (a worker importing listings, making a thumbnail) need not be the one that wrote it.

Without ``STORAGE_S3_BUCKET``: files under ``MEDIA_ROOT`` (``var/media``, or the env
``MEDIA_ROOT``). One machine, or processes that share that folder.

With ``STORAGE_S3_BUCKET``: S3-compatible object storage (AWS S3, MinIO, Ceph) through
django-storages, shared by web, worker and beat wherever they run. Objects stay private: no
ACL is sent, so the bucket's own policy (which must not allow anonymous reads) decides; a
name is never reused for another file; and a person allowed to see a file is redirected to
a URL signed for a few minutes (``ewtp.common.private_files``). Its environment:

``STORAGE_S3_BUCKET``               the bucket; it must exist
``STORAGE_S3_ENDPOINT_URL``         the server of an S3-compatible store (``http://minio:9000``);
                                    empty for AWS S3
``STORAGE_S3_PUBLIC_ENDPOINT_URL``  the same server as browsers reach it, when they cannot reach
                                    the one above (a compose network's name): signed URLs name it
``STORAGE_S3_REGION``               the bucket's region (MinIO: ``us-east-1``)
``STORAGE_S3_ACCESS_KEY_ID``,
``STORAGE_S3_SECRET_ACCESS_KEY``    both or neither; neither: boto3 finds its own (``AWS_*``
                                    variables, the instance's or the pod's role)
``STORAGE_S3_ADDRESSING_STYLE``     ``auto`` (default), ``path`` (MinIO and most self-hosted
                                    servers) or ``virtual``
``STORAGE_S3_PREFIX``               a folder for this hub's objects in a shared bucket
``STORAGE_S3_URL_EXPIRE_SECONDS``   how long a signed URL works (default 300)
``STORAGE_S3_SPOOL_BYTES``          a file read back (an import, a picture) is kept in memory up to
                                    this size, then in a temporary file of the reading process
                                    (default 8 MiB)
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .environment import VAR_DIR, env

_ADDRESSING_STYLES = ("auto", "path", "virtual")


def uploads_storage() -> dict:
    """The ``default`` entry of STORAGES that the environment asks for."""
    bucket = env.str("STORAGE_S3_BUCKET", default="")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    access_key = env.str("STORAGE_S3_ACCESS_KEY_ID", default="")
    secret_key = env.str("STORAGE_S3_SECRET_ACCESS_KEY", default="")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both STORAGE_S3_ACCESS_KEY_ID and STORAGE_S3_SECRET_ACCESS_KEY, or neither."
        )
    style = env.str("STORAGE_S3_ADDRESSING_STYLE", default="auto")
    if style not in _ADDRESSING_STYLES:
        raise ImproperlyConfigured(f"STORAGE_S3_ADDRESSING_STYLE is one of {_ADDRESSING_STYLES}.")
    expire = env.int("STORAGE_S3_URL_EXPIRE_SECONDS", default=300)
    if not 1 <= expire <= 3600:
        # a signed URL cannot be revoked: it works for anyone who has it until it expires
        raise ImproperlyConfigured("STORAGE_S3_URL_EXPIRE_SECONDS is between 1 and 3600.")
    return {
        "BACKEND": "ewtp.common.private_files.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.str("STORAGE_S3_ENDPOINT_URL", default="") or None,
            "public_endpoint_url": env.str("STORAGE_S3_PUBLIC_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STORAGE_S3_REGION", default="") or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "addressing_style": None if style == "auto" else style,
            "location": env.str("STORAGE_S3_PREFIX", default="").strip("/"),
            # SigV4: the signature every S3-compatible server accepts for presigned URLs
            "signature_version": "s3v4",
            # no ACL header: the bucket's policy alone says who reads (and some servers
            # refuse ACLs altogether)
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": expire,
            # an upload never replaces another file of the same name: a suffix is added
            "file_overwrite": False,
            "max_memory_size": env.int("STORAGE_S3_SPOOL_BYTES", default=8 * 2**20),
        },
    }


def signed_url_origin(storage: dict) -> str:
    """The origin (scheme and host) of the URLs the storage signs, "" when it signs none.

    The portal's pages show listing pictures whose views redirect to those URLs, and the
    Content-Security-Policy's img-src must name it. The storage's own client computes it (AWS
    names a bucket in the host or in the path by region and addressing style); signing is a
    local computation, no request is sent.
    """
    if "OPTIONS" not in storage:
        return ""
    import boto3
    from botocore.config import Config

    options = storage["OPTIONS"]
    client = boto3.session.Session(aws_access_key_id="-", aws_secret_access_key="-").client(
        "s3",
        region_name=options["region_name"],
        endpoint_url=options["public_endpoint_url"] or options["endpoint_url"],
        config=Config(
            s3={"addressing_style": options["addressing_style"]},
            signature_version=options["signature_version"],
        ),
    )
    url = urlsplit(
        client.generate_presigned_url(
            "get_object", Params={"Bucket": options["bucket_name"], "Key": "-"}
        )
    )
    return f"{url.scheme}://{url.netloc}"


MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": uploads_storage(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# where a browser is sent for an upload: the Content-Security-Policy allows pictures from it
STORAGE_SIGNED_URL_ORIGIN = signed_url_origin(STORAGES["default"])
