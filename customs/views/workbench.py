"""The customs officers' workbench: the hub's queues by lane and age, and each declaration
with its assessment and the rules that sent it there, and the permits its goods need;
release, hold or reject with a reason; register a permit for the declarant."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from hubs.portal import HubOfficialMixin
from hubs.roles import Perm

from .. import selectors
from ..errors import CustomsErrorCode
from ..forms import PermitForm, errors_to_forms
from ..models import Lane
from ..services.classification import Rates, classification_decide
from ..services.decisions import declaration_decide
from ..services.inspection import documents_request, inspection_record
from ..services.permits import permit_coverage, permit_register


class WorkbenchMixin(HubOfficialMixin):
    permission = Perm.CUSTOMS_WORKBENCH
    not_posted = "The workbench belongs to a hub's officers."


class WorkbenchView(WorkbenchMixin, TemplateView):
    template_name = "customs/workbench.html"

    def get_context_data(self, **kwargs):
        hub = self.request.user.official_hub
        lane = self.request.GET.get("lane", "")
        lane = lane if lane in Lane.values else ""
        queue_name = self.request.GET.get("queue", "")
        classifying, auditing = queue_name == "classification", queue_name == "audit"
        counts = selectors.lane_counts(hub=hub)
        queue = []
        if classifying:
            queue = selectors.classification_queue_of_hub(hub=hub)
        elif not auditing:
            queue = selectors.queue_of_hub(hub=hub, lane=lane)
        return super().get_context_data(
            hub=hub,
            mix=_lane_mix(hub),
            mix_days=MIX_DAYS,
            lane=lane,
            lanes=[(value, label, counts.get(value, 0)) for value, label in Lane.choices],
            classifying=classifying,
            classification_count=selectors.classification_count(hub=hub),
            auditing=auditing,
            audit_count=selectors.audit_count(hub=hub),
            audits=selectors.audit_worklist_of_hub(hub=hub)[:200] if auditing else [],
            declarations=queue[:200],
            **kwargs,
        )


MIX_DAYS = 30


def _lane_mix(hub) -> list[tuple[str, int, float, int]]:
    """Each lane's share of the hub's declarations over the last MIX_DAYS days next to its
    target share (CUSTOMS_LANE_TARGET_SHARES), so that officers see when the rules drift."""
    mix = selectors.lane_mix(hub=hub, since=timezone.now() - timedelta(days=MIX_DAYS))
    total = sum(mix.values())
    return [
        (label, mix.get(value, 0), 100 * mix.get(value, 0) / total if total else 0.0, target)
        for (value, label), target in zip(
            Lane.choices, settings.CUSTOMS_LANE_TARGET_SHARES, strict=True
        )
    ]


class DeclarationView(WorkbenchMixin, TemplateView):
    template_name = "customs/declaration.html"

    def _declaration(self):
        declaration = selectors.declaration_for_officer(
            hub=self.request.user.official_hub, reference=self.kwargs["reference"]
        )
        if declaration is None:
            raise Http404("No such declaration at your hub.")
        return declaration

    def get_context_data(self, **kwargs):
        declaration = self._declaration()
        decisions = list(declaration.lane_decisions.all())
        waiting = selectors.open_classifications(declaration)
        nearest = selectors.nearest_lines(
            waiting, country=declaration.hub.country.code, on=declaration.declared_on
        )
        covers = permit_coverage(declaration)
        if "permit_form" not in kwargs and declaration.status in selectors.QUEUED:
            kwargs["permit_form"] = PermitForm.for_declaration(declaration, covers)
        return super().get_context_data(
            declaration=declaration,
            permits=covers,
            decision=decisions[0] if decisions else None,
            may_decide=declaration.status in selectors.QUEUED,
            classifications=[(c, nearest[c.pk]) for c in waiting],
            **kwargs,
        )

    def post(self, request, reference):
        declaration = self._declaration()
        action, post = request.POST.get("action", "decide"), request.POST
        if action == "permit":
            return self._permit(request, declaration)
        try:
            if action == "classify":
                _classify(request, declaration)
                messages.success(request, _("Item classified."))
            elif action == "documents":
                documents_request(
                    declaration=declaration,
                    documents=post.get("documents", ""),
                    actor=request.user,
                )
                messages.success(request, _("Documents requested; the declaration is held."))
            elif action == "findings":
                inspection_record(
                    declaration=declaration, findings=post.get("findings", ""), actor=request.user
                )
                messages.success(request, _("Findings recorded."))
            else:
                decided = declaration_decide(
                    declaration=declaration,
                    decision=post.get("decision", ""),
                    reason=post.get("reason", ""),
                    actor=request.user,
                )
                if post.get("decision") == "release" and decided.status != "released":
                    messages.warning(
                        request, _("Held, not released: a permit the goods need is missing.")
                    )
                else:
                    messages.success(request, _("Decision recorded."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("customs:declaration", reference=reference)

    def _permit(self, request, declaration):
        """Register a permit for the declarant; its release is then the officer's to try."""
        form = PermitForm.for_declaration(declaration, [], request.POST)
        if form is None:
            raise Http404("The declaration has no declarant to register a permit for.")
        if permit_register_from(request, form):
            return redirect("customs:declaration", reference=declaration.reference)
        return self.render_to_response(self.get_context_data(permit_form=form), status=400)


def permit_register_from(request, form) -> bool:
    """Register the form's permit (here or on the permits page); False with the reasons on
    the form when it is refused."""
    if not form.is_valid():
        return False
    try:
        permit = permit_register(request=form.permit_request(), actor=request.user)
    except ApplicationError as error:
        if not errors_to_forms(error, form, None):
            form.add_error(None, error.message)
        return False
    messages.success(
        request,
        _("%(agency)s permit %(number)s registered for %(holder)s.")
        % {"agency": permit.agency, "number": permit.number, "holder": permit.holder.legal_name},
    )
    return True


def _classify(request, declaration) -> None:
    post = request.POST
    waiting = {str(c.public_id): c for c in selectors.open_classifications(declaration)}
    classification = waiting.get(post.get("classification", ""))
    if classification is None:
        raise ApplicationError(
            _("That item is not waiting for classification."),
            CustomsErrorCode.CLASSIFICATION_CLOSED,
        )
    rates = None
    if post.get("basis") == "rates":
        rates = Rates(
            duty_percent=post.get("duty_percent", ""),
            sales_tax_percent=post.get("sales_tax_percent", ""),
            excise_percent=post.get("excise_percent", ""),
            legal_source=post.get("legal_source", ""),
        )
    classification_decide(
        classification=classification,
        reason=post.get("reason", ""),
        actor=request.user,
        line_code="" if rates else post.get("line_code", ""),
        rates=rates,
    )
