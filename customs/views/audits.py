"""An audit after clearance, on the officers' workbench: the declaration as released with its
assessment; the officer records that it was right, or the value each item should have been
declared at and why, after previewing the duty and tax the engine assesses on it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError

from .. import selectors
from ..services.audits import audit_close_without_finding, audit_finding_raise
from ..services.reassessment import audit_reassess
from .workbench import WorkbenchMixin


class AuditView(WorkbenchMixin, TemplateView):
    template_name = "customs/audit.html"

    def _audit(self):
        hub, reference = self.request.user.official_hub, self.kwargs["reference"][:20]
        audit = selectors.audit_for_officer(hub=hub, reference=reference)
        if audit is None:
            raise Http404("No audit of that declaration at your hub.")
        return audit, selectors.declaration_for_officer(hub=hub, reference=reference)

    def get_context_data(self, **kwargs):
        audit, declaration = self._audit()
        values = kwargs.pop("values", {})
        return super().get_context_data(
            audit=audit,
            declaration=declaration,
            items=[
                (item, values.get(item.line_no, item.value)) for item in declaration.items.all()
            ],
            **kwargs,
        )

    def post(self, request, reference):
        audit, declaration = self._audit()
        action, post = request.POST.get("action", ""), request.POST
        values = {
            item.line_no: post.get(f"value_{item.line_no}", "").strip()
            for item in declaration.items.all()
        }
        finding = post.get("finding", "")
        try:
            if action == "no_finding":
                audit_close_without_finding(
                    audit=audit, note=post.get("note", ""), actor=request.user
                )
                messages.success(request, _("Audit recorded: no finding."))
            elif action == "finding":
                audit_finding_raise(audit=audit, values=values, finding=finding, actor=request.user)
                messages.success(
                    request,
                    _("Finding raised: the duty and tax short paid are billed to the declarant."),
                )
            else:
                preview = audit_reassess(declaration=declaration, values=values)
                return self._again(values, finding, preview=preview)
        except ApplicationError as error:
            messages.error(request, error.message)
            return self._again(values, finding)
        return redirect("customs:audit", reference=reference)

    def _again(self, values, finding, preview=None):
        """The page again with what the officer entered (a preview, or a refusal), the audit
        read afresh (another officer may have recorded it meanwhile)."""
        return self.render_to_response(
            self.get_context_data(values=values, finding=finding, preview=preview)
        )
