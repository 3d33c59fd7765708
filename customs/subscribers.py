"""Customs hears its own releases through the outbox, after they commit: a declaration
released from the blue lane, or drawn from the green lane's releases, enters its hub's
post-clearance audit worklist. Releasing a declaration knows nothing of audits; a release
event delivered twice finds the audit made the first time."""

from ewtp.common.outbox import subscribe

from .events import DeclarationDecided
from .models import Declaration
from .services.audits import audit_enrol


@subscribe("customs.declaration_decided", name="customs.audit_enrolled")
def audit_enrolled(event: DeclarationDecided) -> None:
    if event.status == Declaration.Status.RELEASED:
        audit_enrol(declaration_id=event.declaration_id)
