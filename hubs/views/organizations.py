"""The organisation: profile, members and invitations, verification (KYC), API keys; and the
MDEC officers' list and review of organisations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from ewtp.common.audit import audit_trail
from ewtp.common.errors import ApplicationError

from .. import selectors
from ..forms.organizations import InvitationForm, KycDecisionForm, KycUploadForm, OrganizationForm
from ..models import KycDocument, Organization
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
    organization_update,
)
from .accounts import invitation_url
from .helpers import form_error_from


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
    permission = Perm.ORGANIZATION_MANAGE
    form_class = OrganizationForm
    template_name = "hubs/organization_edit.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.organization}

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        # the form validated the fields; the service writes them (and only them) with an audit row
        form.instance.refresh_from_db()
        try:
            organization_update(organization=self.organization, actor=self.request.user, **changes)
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
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
        response = FileResponse(document.file.open("rb"), content_type=document.content_type)
        response["Content-Disposition"] = (
            f'inline; filename="{document.public_id}{document.extension}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class OrganizationListView(PermissionRequiredMixin, ListView):
    permission = Perm.ORGANIZATIONS_OVERSEE
    template_name = "hubs/organization_list.html"
    context_object_name = "organizations"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        if status not in Organization.KycStatus.values:
            status = ""
        return selectors.organization_list_for(user=self.request.user, kyc_status=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=Organization.KycStatus.choices,
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

    def get_context_data(self, form=None, **kwargs):
        organization = self._organization()
        can_review = has_permission(self.request.user, Perm.KYC_REVIEW)
        return super().get_context_data(
            organization=organization,
            documents=organization.kyc_documents.all(),
            members=selectors.organization_members(organization=organization),
            trail=audit_trail(organization)[:50],
            form=form or KycDecisionForm(),
            can_review=can_review and organization.kyc_status == Organization.KycStatus.SUBMITTED,
            **kwargs,
        )

    def post(self, request, public_id):
        if not has_permission(request.user, Perm.KYC_REVIEW):
            raise PermissionDenied
        organization = self._organization()
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
                )
                messages.success(request, _("Decision recorded; the organisation is notified."))
                return redirect("hubs:organization_review", public_id=public_id)
            except ApplicationError as error:
                form_error_from(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


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
