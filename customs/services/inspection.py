"""What an officer does with a declaration in a lane besides deciding it: ask the declarant
for documents (the declaration is held until the officer has seen them) and record what an
inspection found; and the declarant's documents in answer. The declarant is e-mailed the
request, the hub's officers the answer."""

import hashlib

from django.conf import settings
from django.db import transaction

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, CommonErrorCode, ConflictError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.validators import BIDI_CONTROLS_MESSAGE, has_bidi_controls
from hubs.models import Membership, User
from hubs.roles import Perm, can_act_for, has_permission
from hubs.services.kyc import sniff_content_type

from ..models import Declaration, DeclarationDocument, DeclarationNote
from .declarations import Public, declaration_move

WITH_OFFICER = (Declaration.Status.LANE, Declaration.Status.HELD)
OPEN = (
    Declaration.Status.DRAFT,
    Declaration.Status.SUBMITTED,
    Declaration.Status.ASSESSED,
    Declaration.Status.LANE,
    Declaration.Status.HELD,
)


def _officer_check(actor, declaration: Declaration) -> None:
    if not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH)
        and actor.official_hub_id == declaration.hub_id
    ):
        raise NotAllowedError(
            "Only the customs officers of this hub work its declarations.", "not_your_hub"
        )


def _text(text: str, field: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise ApplicationError(message, "declaration_note_invalid", extra={"field": field})
    return text[:1000]


def documents_request(*, declaration: Declaration, documents: str, actor) -> Declaration:
    """Hold the declaration and ask the declarant for ``documents`` (what and why)."""
    _officer_check(actor, declaration)
    documents = _text(documents, "documents", "Say which documents the declarant must supply.")
    with transaction.atomic():
        locked = (
            Declaration.objects.select_for_update().select_related("hub").get(pk=declaration.pk)
        )
        if locked.status not in WITH_OFFICER:
            raise ConflictError(
                "Documents are requested of a declaration waiting for an officer.",
                "declaration_transition",
            )
        public = Public(actor=f"Customs {locked.hub.code}")
        DeclarationNote.objects.create(
            declaration=locked,
            kind=DeclarationNote.Kind.DOCUMENTS_REQUESTED,
            text=documents,
            actor_label=actor.email,
            public_actor=public.actor,
        )
        if locked.status == Declaration.Status.LANE:
            declaration_move(
                locked,
                Declaration.Status.HELD,
                actor.email,
                f"Documents requested: {documents}",
                public,
                actor,
            )
        _tell_declarant(
            locked,
            f"Customs {locked.hub.code} asks for documents for declaration {locked.reference}",
            f"Customs at {locked.hub.code} holds declaration {locked.reference} until it has "
            f"seen these documents:\n\n{documents}\n\nUpload them on the declaration's page "
            "in the portal (Declarations).",
        )
        return locked


def inspection_record(*, declaration: Declaration, findings: str, actor) -> DeclarationNote:
    """What a physical or documentary inspection found: for the officers' record."""
    _officer_check(actor, declaration)
    findings = _text(findings, "findings", "Write down what the inspection found.")
    if declaration.status not in WITH_OFFICER:
        raise ConflictError(
            "Findings are recorded on a declaration waiting for an officer.",
            "declaration_transition",
        )
    with transaction.atomic():
        note = DeclarationNote.objects.create(
            declaration=declaration,
            kind=DeclarationNote.Kind.INSPECTION_FINDING,
            text=findings,
            actor_label=actor.email,
            public_actor=f"Customs {declaration.hub.code}",
        )
        audit_record(
            actor=actor,
            action="customs.declaration.inspected",
            target=declaration,
            reason=findings,
        )
    return note


def declaration_document_upload(
    *, declaration: Declaration, title: str, upload, actor
) -> DeclarationDocument:
    """The declarant supplies a document (PDF, JPEG or PNG): its type is read from its bytes."""
    if declaration.organization is None or not can_act_for(
        actor, declaration.organization, Perm.ORDERS_TRADE
    ):
        raise NotAllowedError("Only the declarant supplies its documents.", "not_declarant")
    if declaration.status not in OPEN:
        raise ConflictError(
            "Documents are supplied while the declaration is open.", "declaration_transition"
        )
    title = _text(title, "title", "Say what the document is.")[:200]
    if has_bidi_controls(title):  # officers read it
        raise ApplicationError(
            str(BIDI_CONTROLS_MESSAGE),
            CommonErrorCode.NAME_HAS_BIDI_CONTROLS,
            extra={"field": "title"},
        )
    if upload is None or upload.size > settings.CUSTOMS_DOCUMENT_MAX_BYTES:
        raise ApplicationError(
            f"Choose a file of at most {settings.CUSTOMS_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB.",
            "declaration_document_invalid",
            extra={"field": "file"},
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type is None:
        raise ApplicationError(
            "Upload a PDF, JPEG or PNG file (this file is none of them).",
            "declaration_document_invalid",
            extra={"field": "file"},
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        document = DeclarationDocument(
            declaration=declaration,
            title=title,
            original_name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by_label=actor.email,
        )
        document.file.save("upload", upload, save=False)
        document.save()
        audit_record(
            actor=actor,
            action="customs.declaration.document_supplied",
            target=declaration,
            data={"title": title, "sha256": document.sha256},
        )
        officers = User.objects.filter(
            official_role=User.OfficialRole.CUSTOMS_OFFICER,
            official_hub_id=declaration.hub_id,
            is_active=True,
        )
        email_after_commit(
            to=list(officers.values_list("email", flat=True)),
            subject=f"eWTP Hub: documents supplied for declaration {declaration.reference}",
            body=f"The declarant supplied “{title}” for declaration {declaration.reference}.",
        )
    return document


def _tell_declarant(declaration: Declaration, subject: str, body: str) -> None:
    if declaration.organization_id is None:
        return
    emails = Membership.objects.filter(organization_id=declaration.organization_id).values_list(
        "user__email", flat=True
    )
    email_after_commit(to=list(emails), subject=subject, body=body)
