"""Customs hears its own releases through the outbox, after they commit: a declaration
released from the blue lane, or drawn from the green lane's releases, enters its hub's
post-clearance audit worklist. Releasing a declaration knows nothing of audits; a release
event delivered twice finds the audit made the first time."""

from ewtp.common.outbox import subscribe

from .events import DeclarationDecided
from .models import Declaration
from .services.audits import audits_enrol


@subscribe(
    "customs.declaration_decided",
    name="customs.audit_enrolled",
    many=True,
    when=lambda event: event.status == Declaration.Status.RELEASED,
)
def audit_enrolled(events: list[DeclarationDecided]) -> None:
    audits_enrol(declaration_ids=[event.declaration_id for event in events])
