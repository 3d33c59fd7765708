"""The SME's declarations in the portal: its list with each status and the reason customs
gave (and its permits of other agencies), a declaration filed by hand (or by its agent),
submitted, amended or cancelled, with the permits its goods need, and the printable PDF
(also for the hub's officers)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.private_files import private_file_response
from hubs.models import Hub
from hubs.roles import OrganizationMixin, Perm, can_act_for, has_permission

from .. import selectors
from ..documents import declaration_pdf
from ..forms import DeclarationForm, ItemFormSet, errors_to_forms, filled_items
from ..models import Declaration
from ..services.filing import (
    declaration_amend,
    declaration_cancel,
    declaration_create,
    declaration_request_of_organization,
    declaration_submit,
)
from ..services.inspection import OPEN, declaration_document_upload
from ..services.permits import permit_coverage


class SmeMixin(OrganizationMixin):
    permission = Perm.ORDERS_TRADE

    def _declaration(self) -> Declaration:
        declaration = (
            selectors.declarations_of_organization(organization=self.organization)
            .filter(reference=self.kwargs["reference"][:20])
            .first()
        )
        if declaration is None:
            raise Http404("No such declaration of your organisation.")
        return declaration


class DeclarationListView(SmeMixin, TemplateView):
    template_name = "customs/my_declarations.html"

    def get_context_data(self, **kwargs):
        wanted = self.request.GET.get("status", "")
        wanted = wanted if wanted in Declaration.Status.values else ""
        declarations = selectors.declaration_list_of_organization(
            organization=self.organization, status=wanted
        )
        return super().get_context_data(
            declarations=declarations[:200],
            permits=selectors.permits_of_holder(organization=self.organization)[:100],
            statuses=Declaration.Status.choices,
            status=wanted,
            **kwargs,
        )


class DeclarationCreateView(SmeMixin, TemplateView):
    template_name = "customs/declaration_form.html"

    def _forms(self, data=None):
        organization = self.organization
        form = DeclarationForm(
            data,
            hubs=Hub.objects.order_by("code"),
            orders=organization.sales.order_by("-created_at")[:100],
            initial={
                "currency": organization.currency,
                "hub": organization.home_hub.code if organization.home_hub_id else "",
            },
        )
        return form, ItemFormSet(data, prefix="items")

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"], kwargs["formset"] = self._forms()
        return super().get_context_data(**kwargs)

    def post(self, request):
        form, formset = self._forms(request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                declaration = declaration_create(
                    request=self._request(form.cleaned_data, filled_items(formset)),
                    actor_label=request.user.email,
                )
            except ApplicationError as error:
                if not errors_to_forms(error, form, formset):
                    messages.error(request, error.message)
            else:
                messages.success(request, _("Declaration saved as a draft: check it and submit."))
                return redirect("customs:my_declaration", reference=declaration.reference)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def _request(self, data, items):
        organization = self.organization
        order = None
        if data["order"]:
            order = organization.sales.filter(reference=data["order"]).first()
        return declaration_request_of_organization(
            organization=organization,
            hub=Hub.objects.get(code=data["hub"]),
            order=order,
            data=data,
            items=items,
        )


class DeclarationDetailView(SmeMixin, TemplateView):
    template_name = "customs/my_declaration.html"

    def get_context_data(self, **kwargs):
        declaration = self._declaration()
        transitions = list(declaration.transitions.all())
        audit = selectors.audit_of_declaration(declaration=declaration)
        return super().get_context_data(
            declaration=declaration,
            permits=permit_coverage(declaration),
            # an audit after clearance, once it has an outcome; how it was billed (from the
            # balance, or owed) is the owners' to see, as the organisation's money is
            audit=audit if audit is not None and audit.is_done else None,
            sees_money=can_act_for(self.request.user, self.organization, Perm.FINANCES_READ),
            requests=[note for note in declaration.notes.all() if note.is_public],
            may_supply=declaration.status in OPEN,
            last_step=transitions[-1] if transitions else None,
            may_submit=declaration.status == Declaration.Status.DRAFT,
            may_amend=declaration.can_become(Declaration.Status.SUBMITTED)
            and declaration.status != Declaration.Status.DRAFT,
            may_cancel=declaration.can_become(Declaration.Status.CANCELLED),
            **kwargs,
        )

    def post(self, request, reference):
        declaration = self._declaration()
        action = request.POST.get("action")
        try:
            if action == "submit":
                declaration_submit(declaration=declaration, actor_label=request.user.email)
                messages.success(
                    request, _("Submitted: customs assesses it now; this page shows the result.")
                )
            elif action == "document":
                declaration_document_upload(
                    declaration=declaration,
                    title=request.POST.get("title", ""),
                    upload=request.FILES.get("file"),
                    actor=request.user,
                )
                messages.success(request, _("Document supplied; customs is told."))
            elif action == "cancel":
                declaration_cancel(
                    declaration=declaration,
                    reason=request.POST.get("reason", "")[:500],
                    actor_label=request.user.email,
                )
                messages.success(request, _("Declaration cancelled."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("customs:my_declaration", reference=reference)


class DeclarationAmendView(SmeMixin, TemplateView):
    template_name = "customs/declaration_amend.html"

    def get_context_data(self, **kwargs):
        declaration = kwargs.setdefault("declaration", self._declaration())
        if "formset" not in kwargs:
            kwargs["formset"] = ItemFormSet(
                prefix="items",
                initial=[
                    {
                        "hs_code": item.hs_code,
                        "description": item.description,
                        "origin": item.origin.code,
                        "quantity": item.quantity,
                        "net_weight_kg": item.net_weight_kg,
                        "value": item.value,
                    }
                    for item in declaration.items.all()
                ],
            )
        return super().get_context_data(**kwargs)

    def post(self, request, reference):
        declaration = self._declaration()
        formset = ItemFormSet(request.POST, prefix="items")
        reason = request.POST.get("reason", "").strip()[:500]
        if formset.is_valid():
            items = [form.item() for form in formset.forms if form.cleaned_data]
            try:
                declaration_amend(
                    declaration=declaration,
                    items=items,
                    reason=reason,
                    actor_label=request.user.email,
                )
            except ApplicationError as error:
                if not errors_to_forms(error, None, formset):
                    messages.error(request, error.message)
            else:
                messages.success(request, _("Amended and assessed again."))
                return redirect("customs:my_declaration", reference=reference)
        return self.render_to_response(
            self.get_context_data(declaration=declaration, formset=formset, reason=reason)
        )


class DeclarationDocumentView(View):
    """A supplied document, for the declarant and the officers of the declaration's hub."""

    def get(self, request, reference, document_id):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        document = selectors.document_of(reference=reference[:20], document_id=document_id)
        if document is None or not (
            _is_officer_of(request.user, document.declaration)
            or _is_declarant(request.user, document.declaration)
        ):
            raise Http404("No such document.")
        return private_file_response(
            document.file,
            content_type=document.content_type,
            filename=f"{document.public_id}{document.extension}",
        )


class DeclarationPdfView(View):
    """The printable declaration, for the declaring SME and the officers of its hub."""

    def get(self, request, reference):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        declaration = selectors.declaration_for_print(reference=reference[:20])
        if declaration is None:
            raise Http404("No such declaration.")
        officer = _is_officer_of(user, declaration)
        if not (officer or _is_declarant(user, declaration)):
            raise Http404("No such declaration.")
        response = HttpResponse(
            declaration_pdf(declaration, for_officer=officer), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{declaration.reference}.pdf"'
        return response


def _is_officer_of(user, declaration: Declaration) -> bool:
    return (
        has_permission(user, Perm.CUSTOMS_WORKBENCH)
        and user.official_hub_id is not None
        and user.official_hub_id == declaration.hub_id
    )


def _is_declarant(user, declaration: Declaration) -> bool:
    return declaration.organization is not None and can_act_for(
        user, declaration.organization, Perm.ORDERS_TRADE
    )
