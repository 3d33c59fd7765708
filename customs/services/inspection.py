"""What an officer does with a declaration in a lane besides deciding it: ask the declarant
for documents (the declaration is held until the officer has seen them) and record what an
inspection found; and the declarant's documents in answer. The declarant is e-mailed the
request, the hub's officers the answer."""

from django.conf import settings
from django.db import transaction

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, CommonErrorCode, ConflictError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.uploads import document_file_read, document_file_store
from ewtp.common.validators import BIDI_CONTROLS_MESSAGE, has_bidi_controls
from hubs.models import Membership, User
from hubs.roles import Perm, can_act_for, has_permission

from ..errors import CustomsErrorCode
from ..models import Declaration, DeclarationDocument, DeclarationNote
from .moves import PublicNotice, declaration_transition

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
            "Only the customs officers of this hub work its declarations.",
            CustomsErrorCode.NOT_YOUR_HUB,
        )


def _text(text: str, field: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise ApplicationError(
            message, CustomsErrorCode.DECLARATION_NOTE_INVALID, extra={"field": field}
        )
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
                CustomsErrorCode.DECLARATION_TRANSITION,
            )
        public = PublicNotice(actor=f"Customs {locked.hub.code}")
        DeclarationNote.objects.create(
            declaration=locked,
            kind=DeclarationNote.Kind.DOCUMENTS_REQUESTED,
            text=documents,
            actor_label=actor.email,
            public_actor=public.actor,
        )
        if locked.status == Declaration.Status.LANE:
            locked = declaration_transition(
                declaration=locked,
                to=Declaration.Status.HELD,
                actor=actor,
                actor_label=actor.email,
                reason=f"Documents requested: {documents}",
                public=public,
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
            CustomsErrorCode.DECLARATION_TRANSITION,
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
        raise NotAllowedError(
            "Only the declarant supplies its documents.", CustomsErrorCode.NOT_DECLARANT
        )
    if declaration.status not in OPEN:
        raise ConflictError(
            "Documents are supplied while the declaration is open.",
            CustomsErrorCode.DECLARATION_TRANSITION,
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
            CustomsErrorCode.DECLARATION_DOCUMENT_INVALID,
            extra={"field": "file"},
        )
    read = document_file_read(upload)
    if read is None:
        raise ApplicationError(
            "Upload a PDF, JPEG or PNG file (this file is none of them).",
            CustomsErrorCode.DECLARATION_DOCUMENT_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        document = DeclarationDocument(
            declaration=declaration,
            title=title,
            uploaded_by_label=actor.email,
            **read.fields(),
        )
        document_file_store(document, upload)
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
