"""Uploads people may see only once the hub has checked who asks: a KYC document, a customs
document, a listing's picture.

The view checks the permission, then hands the file over in the one way here. When the
storage can sign URLs (S3-compatible object storage, ewtp/settings/storage.py) the answer is
a redirect to a URL signed for a few minutes, and the object store sends the bytes, with the
type and disposition the view chose; otherwise (the filesystem) the hub streams the file.

The redirect itself is never stored (``no-store``): it carries a credential, short-lived but
usable by anyone who has it. The signed URL is on the object store's origin, so a document
opened there runs with none of the hub's cookies or rights whatever its content; pages that
show pictures allow that origin in their Content-Security-Policy (STORAGE_SIGNED_URL_ORIGIN).
"""

import threading

from django.http import FileResponse, HttpResponseRedirect
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    """django-storages' S3Storage whose signed URLs may name another endpoint than the one
    the hub's processes talk to (``public_endpoint_url``): in a compose network the hub
    reaches the store as ``http://minio:9000``, which no browser can resolve. A signature
    covers the host, so the URL is signed for the public endpoint, not rewritten."""

    def __init__(self, **settings):
        super().__init__(**settings)
        self._public_clients = threading.local()

    def get_default_settings(self):
        return {**super().get_default_settings(), "public_endpoint_url": None}

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url or not self.querystring_auth:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = {
            **(parameters or {}),
            "Bucket": self.bucket_name,
            "Key": self._normalize_name(clean_name(name)),
        }
        return self._public_client().generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )

    def _public_client(self):
        # boto3 clients are not shared between threads (as the storage's own connection)
        client = getattr(self._public_clients, "client", None)
        if client is None:
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                use_ssl=self.use_ssl,
                endpoint_url=self.public_endpoint_url,
                config=self.client_config,
                verify=self.verify,
            )
            self._public_clients.client = client
        return client


def signs_urls(storage) -> bool:
    """Whether the storage hands out signed URLs: an S3 one with query-string authentication
    and no custom domain (whose URLs django-storages leaves unsigned without CloudFront)."""
    return isinstance(storage, S3Storage) and storage.querystring_auth and not storage.custom_domain


def private_file_response(
    file,
    *,
    content_type: str,
    filename: str = "",
    cache_control: str = "private, no-store",
):
    """The answer to a person allowed to see ``file`` (a FieldFile): a redirect to a signed
    URL, or the file streamed. ``filename`` shows it inline under that name;
    ``cache_control`` is what the browser may keep of the file itself."""
    disposition = f'inline; filename="{filename}"' if filename else ""
    if signs_urls(file.storage):
        parameters = {"ResponseContentType": content_type, "ResponseCacheControl": cache_control}
        if disposition:
            parameters["ResponseContentDisposition"] = disposition
        response = HttpResponseRedirect(file.storage.url(file.name, parameters=parameters))
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(file.open("rb"), content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
