# the loopback S3 server and a bucket of each test's own, as the storage tests have them
from tests.storage.conftest import s3_bucket, s3_endpoint  # noqa: F401
