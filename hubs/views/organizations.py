"""The organisation: profile, members and invitations, verification (KYC), API keys; and the
MDEC officers' list and review of organisations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from ewtp.common.audit import audit_trail
from ewtp.common.errors import ApplicationError, NotFoundError
from ewtp.common.private_files import private_file_response

from .. import selectors
from ..forms.organizations import (
    InvitationForm,
    KycDecisionForm,
    KycUploadForm,
    OrganizationEditForm,
    PayoutAccountDecisionForm,
)
from ..models import KycDocument, Organization
from ..portal import form_error_from
from ..roles import (
    OrganizationMixin,
    Perm,
    PermissionRequiredMixin,
    can_act_for,
    can_oversee,
    has_permission,
    membership_of,
)
from ..services import kyc
from ..services.organizations import (
    invitation_create,
    organization_api_client_create,
    organization_api_client_revoke,
    organization_api_client_secret_rotate,
    organization_update,
)
from ..services.payout_accounts import (
    organization_payout_account_accept,
    organization_payout_account_decline,
)
from .accounts import invitation_url


class MyOrganizationView(OrganizationMixin, TemplateView):
    template_name = "hubs/my_organization.html"

    def get_context_data(self, **kwargs):
        is_owner = can_act_for(self.request.user, self.organization, Perm.ORGANIZATION_MANAGE)
        return super().get_context_data(
            organizations=selectors.organizations_with_members(user=self.request.user),
            invitation_form=InvitationForm() if is_owner else None,
            is_owner=is_owner,
            **kwargs,
        )


class InvitationCreateView(OrganizationMixin, FormView):
    permission = Perm.ORGANIZATION_MANAGE
    form_class = InvitationForm
    template_name = "hubs/invitation_form.html"

    def form_valid(self, form):
        try:
            invitation_create(
                organization=self.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=self.request.user,
                accept_url_for=lambda token: invitation_url(self.request, token),
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
        return redirect("hubs:my_organization")


class OrganizationEditView(OrganizationMixin, FormView):
    """The owners change the profile, the identity and the payout account. The page says
    beforehand what sends the organisation back to review or holds the account."""

    permission = Perm.ORGANIZATION_MANAGE
    form_class = OrganizationEditForm
    template_name = "hubs/organization_edit.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.organization}

    def get_context_data(self, **kwargs):
        organization = Organization.objects.get(pk=self.organization.pk)  # not the form's edits
        return super().get_context_data(
            verified_name=organization.verified_legal_name or organization.legal_name, **kwargs
        )

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # the form validated the fields; the service writes them (and only them) with an audit row
        form.instance.refresh_from_db()
        before = (self.organization.kyc_status, self.organization.kyc_reason)
        try:
            organization = organization_update(
                organization=self.organization, actor=self.request.user, **changes
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        if (organization.kyc_status, organization.kyc_reason) != before and (
            organization.kyc_status == Organization.KycStatus.SUBMITTED
        ):
            messages.warning(
                self.request,
                _(
                    "Your organisation is back in review: an MDEC officer verifies the change. "
                    "Until then your listings are not offered and new orders are refused; "
                    "orders already placed go on."
                ),
            )
        if organization.payout_account_hold == "review":
            messages.warning(
                self.request,
                _(
                    "The payout account is not held in the organisation's verified legal name: "
                    "no payout goes to it until an MDEC officer has checked it."
                ),
            )
        return redirect("hubs:my_organization")


class VerificationView(OrganizationMixin, TemplateView):
    """Upload KYC documents and submit them; see the status and the reviewer's note."""

    template_name = "hubs/verification.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            documents=self.organization.kyc_documents.select_related("uploaded_by"),
            form=form or KycUploadForm(),
            is_owner=can_act_for(self.request.user, self.organization, Perm.ORGANIZATION_MANAGE),
            trail=audit_trail(self.organization).filter(action__startswith="hubs.kyc.")[:20],
            **kwargs,
        )

    def post(self, request):
        if not can_act_for(request.user, self.organization, Perm.ORGANIZATION_MANAGE):
            raise PermissionDenied
        if "submit" in request.POST:
            try:
                kyc.kyc_submit(organization=self.organization, actor=request.user)
                messages.success(
                    request, _("Submitted. An MDEC officer will review your documents.")
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            return redirect("hubs:verification")
        form = KycUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                kyc.kyc_document_upload(
                    organization=self.organization,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    actor=request.user,
                )
                messages.success(request, _("Document uploaded."))
                return redirect("hubs:verification")
            except ApplicationError as error:
                form_error_from(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class KycDocumentView(View):
    """A KYC document, served only to its organisation's members and to officers."""

    def get(self, request, public_id):
        if not request.user.is_authenticated:
            raise Http404
        document = (
            KycDocument.objects.select_related("organization").filter(public_id=public_id).first()
        )
        if document is None or not (
            can_oversee(request.user) or membership_of(request.user, document.organization)
        ):
            raise Http404("No such document.")
        return private_file_response(
            document.file,
            content_type=document.content_type,
            filename=f"{document.public_id}{document.extension}",
        )


class OrganizationListView(PermissionRequiredMixin, ListView):
    permission = Perm.ORGANIZATIONS_OVERSEE
    template_name = "hubs/organization_list.html"
    context_object_name = "organizations"
    paginate_by = 50

    PAYOUT_REVIEW = "payout_review"  # the filter of payout accounts waiting for a check

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        if status == self.PAYOUT_REVIEW:
            return selectors.organization_list_for(user=self.request.user, payout_review=True)
        if status not in Organization.KycStatus.values:
            status = ""
        return selectors.organization_list_for(user=self.request.user, kyc_status=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=[
                *Organization.KycStatus.choices,
                (self.PAYOUT_REVIEW, _("Payout account to check")),
            ],
            status=self.request.GET.get("status", ""),
            **kwargs,
        )


class OrganizationReviewView(PermissionRequiredMixin, TemplateView):
    """An officer's view of one organisation: details, documents, trail, and the decision."""

    permission = Perm.ORGANIZATIONS_OVERSEE
    template_name = "hubs/organization_review.html"

    def _organization(self):
        try:
            return selectors.organization_visible_to(
                user=self.request.user, public_id=self.kwargs["public_id"]
            )
        except (Organization.DoesNotExist, ValueError):
            raise Http404("No such organisation.") from None

    def get_context_data(self, form=None, payout_form=None, **kwargs):
        organization = self._organization()
        can_review = has_permission(self.request.user, Perm.KYC_REVIEW)
        return super().get_context_data(
            organization=organization,
            documents=organization.kyc_documents.all(),
            members=selectors.organization_members(organization=organization),
            trail=audit_trail(organization)[:50],
            form=form or KycDecisionForm(initial={"seen": organization.identity_fingerprint}),
            can_review=can_review and organization.kyc_status == Organization.KycStatus.SUBMITTED,
            payout_form=payout_form
            or PayoutAccountDecisionForm(
                initial={"payout_seen": organization.identity_fingerprint}
            ),
            can_check_payout=can_review and organization.payout_account_hold == "review",
            **kwargs,
        )

    def post(self, request, public_id):
        if not has_permission(request.user, Perm.KYC_REVIEW):
            raise PermissionDenied
        organization = self._organization()
        if "payout_decision" in request.POST:
            return self._payout_decision(request, organization)
        form = KycDecisionForm(request.POST)
        if form.is_valid():
            decide = {
                "approve": kyc.kyc_approve,
                "reject": kyc.kyc_reject,
                "more_info": kyc.kyc_request_more,
            }
            try:
                decide[form.cleaned_data["decision"]](
                    organization=organization,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    seen=form.cleaned_data["seen"] or None,
                )
                messages.success(request, _("Decision recorded; the organisation is notified."))
                return redirect("hubs:organization_review", public_id=public_id)
            except ApplicationError as error:
                form_error_from(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def _payout_decision(self, request, organization):
        form = PayoutAccountDecisionForm(request.POST)
        if form.is_valid():
            try:
                seen = form.cleaned_data["payout_seen"] or None
                if form.cleaned_data["payout_decision"] == "accept":
                    organization_payout_account_accept(
                        organization=organization, actor=request.user, seen=seen
                    )
                else:
                    organization_payout_account_decline(
                        organization=organization,
                        actor=request.user,
                        reason=form.cleaned_data["payout_reason"],
                        seen=seen,
                    )
                messages.success(request, _("Decision recorded; the organisation is notified."))
                return redirect("hubs:organization_review", public_id=organization.public_id)
            except ApplicationError as error:
                form.add_error(None, error.message)
        return self.render_to_response(self.get_context_data(payout_form=form), status=400)


class ApiClientsView(OrganizationMixin, TemplateView):
    """Owners issue API credentials for their own systems (ERP, shop)."""

    permission = Perm.ORGANIZATION_MANAGE
    template_name = "hubs/api_clients.html"

    def get_context_data(self, **kwargs):
        links = self.organization.api_clients.select_related("api_client__application")
        return super().get_context_data(clients=[link.api_client for link in links], **kwargs)

    def post(self, request):
        name = request.POST.get("name", "").strip()[:100]
        try:
            issued = organization_api_client_create(
                organization=self.organization, name=name, actor=request.user
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("hubs:api_clients")
        return self.render_to_response(self.get_context_data(issued=issued))


class ApiClientRevokeView(OrganizationMixin, View):
    """An owner switches one of the organisation's API keys off for good."""

    permission = Perm.ORGANIZATION_MANAGE

    def post(self, request, client_id):
        client = _on_own_key(request, organization_api_client_revoke, self.organization, client_id)
        if client is None:
            return redirect("hubs:api_clients")
        messages.success(
            request,
            _("%(name)s is revoked: its tokens no longer work.")
            % {"name": client.application.name},
        )
        return redirect("hubs:api_clients")


class ApiClientRotateView(ApiClientsView):
    """An owner replaces the secret of one of the organisation's API keys; the new one is
    shown once, the old one and its tokens stop working at once."""

    http_method_names = ["post"]

    def post(self, request, client_id):
        issued = _on_own_key(
            request, organization_api_client_secret_rotate, self.organization, client_id
        )
        if issued is None:
            return redirect("hubs:api_clients")
        return self.render_to_response(self.get_context_data(issued=issued))


def _on_own_key(request, service, organization, client_id):
    """Run an owner's action on one of the organisation's API keys: another's is a 404, a
    refusal a message on the page (then None)."""
    try:
        return service(organization=organization, client_id=client_id, actor=request.user)
    except NotFoundError:
        raise Http404("No such API key.") from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
