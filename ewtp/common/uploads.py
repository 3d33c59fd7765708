"""Documents people upload (a KYC certificate, a declarant's invoice): PDF, JPEG or PNG.

The type is decided by the file's first bytes, never by its name or what the browser says;
the stored name never carries the uploader's file name (it may hold personal data), which is
kept in the row instead with the size and a SHA-256 digest. The file is read before the
caller's transaction opens; only the storage write happens inside it.
"""

import hashlib
from dataclasses import asdict, dataclass

# File signatures of the types a document may have.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def sniff_content_type(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


@dataclass(frozen=True)
class DocumentFile:
    """What a document row keeps of its upload (the fields every document model has)."""

    original_name: str
    content_type: str
    size: int
    sha256: str

    def fields(self) -> dict:
        return asdict(self)


def document_file_read(upload) -> DocumentFile | None:
    """The upload's type, size and digest; None when it is not a PDF, JPEG or PNG file.
    Leaves the file at its start, for the storage to read it again."""
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        return None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return DocumentFile(
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def document_file_store(document, upload) -> None:
    """Save the document row with its file, under a name its model's ``upload_to`` makes."""
    document.file.save("upload", upload, save=False)
    document.save()
