"""Certificates of origin (ACFTA Form E) in the portal: an exporter's members declare the
origin of a product line and read the result of the rule with its arithmetic; the customs
officers of the origin hub (the issuing authority on this platform) see the passed
declarations waiting and issue the certificate; the certificate's page and PDF are for the
exporter's members, the issuing officers and the officers of the importing country, who
may also revoke it (the issuing hub's)."""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_countries import countries as country_names

from ewtp.common.errors import ApplicationError
from hubs.models import Hub
from hubs.roles import Perm, can_act_for, current_organization

from .. import origin as reads
from ..certificates import certificate_pdf
from ..forms import OriginDeclarationForm, errors_to_forms
from ..models import PreferentialRate
from ..services.agreements import agreement_parties
from ..services.certificates import certificate_issue, certificate_revoke
from ..services.origin import RVC_MINIMUM, origin_declaration_file
from .workbench import WorkbenchMixin


class ExporterMixin:
    """Pages of the user's organisation as an exporter: its members who list products or
    trade (catalogue or trade permission)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.organization = current_organization(request.user)
        if self.organization is None or not (
            can_act_for(request.user, self.organization, Perm.CATALOGUE_MANAGE)
            or can_act_for(request.user, self.organization, Perm.ORDERS_TRADE)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class OriginDeclarationListView(ExporterMixin, TemplateView):
    template_name = "customs/origin_declarations.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            declarations=reads.origin_declarations_of(organization=self.organization)[:200],
            **kwargs,
        )


class OriginDeclarationCreateView(ExporterMixin, TemplateView):
    template_name = "customs/origin_declaration_form.html"

    def _form(self, data=None):
        organization = self.organization
        parties = sorted(agreement_parties(PreferentialRate.Agreement.ACFTA))
        home = organization.home_hub
        return OriginDeclarationForm(
            data,
            products=organization.products.order_by("sku")[:300],
            hubs=Hub.objects.filter(country__in=parties).order_by("code"),
            countries=[(code, country_names.name(code)) for code in parties],
            initial={
                "hub": home.code,
                "origin_country": home.country.code,
                "importing_country": "CN" if home.country.code != "CN" else "MY",
                "criterion": "RVC",
                "currency": organization.currency,
            },
        )

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"] = self._form()
        return super().get_context_data(rvc_minimum=RVC_MINIMUM, **kwargs)

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                declaration = origin_declaration_file(
                    organization=self.organization,
                    request=form.origin_request(),
                    actor=request.user,
                )
            except ApplicationError as error:
                if not errors_to_forms(error, form, None):
                    form.add_error(None, error.message)
            else:
                return redirect("customs:origin_declaration", public_id=declaration.public_id)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OriginDeclarationDetailView(ExporterMixin, TemplateView):
    template_name = "customs/origin_declaration.html"

    def get_context_data(self, **kwargs):
        declaration = reads.origin_declaration_of(
            organization=self.organization, public_id=self.kwargs["public_id"]
        )
        if declaration is None:
            raise Http404("No such origin declaration of your organisation.")
        line = getattr(declaration, "certificate_line", None)
        return super().get_context_data(
            declaration=declaration,
            certificate=line.certificate if line is not None else None,
            rvc_minimum=RVC_MINIMUM,
            **kwargs,
        )


class OriginQueueView(WorkbenchMixin, TemplateView):
    """The origin hub's officers: passed origin declarations waiting for a certificate, and
    the certificates the hub issued."""

    template_name = "customs/origin_queue.html"

    def get_context_data(self, **kwargs):
        hub = self.request.user.official_hub
        return super().get_context_data(
            hub=hub,
            waiting=reads.origin_queue_of_hub(hub=hub)[:200],
            certificates=reads.certificates_of_hub(hub=hub)[:100],
            **kwargs,
        )

    def post(self, request):
        try:
            public_id = uuid.UUID(request.POST.get("declaration", ""))
        except ValueError:
            public_id = None
        declaration = (
            reads.origin_queue_of_hub(hub=request.user.official_hub)
            .filter(public_id=public_id)
            .first()
        )
        if declaration is None:
            messages.error(request, _("This origin declaration no longer waits for a certificate."))
            return redirect("customs:origin_queue")
        try:
            certificate = certificate_issue(declarations=[declaration], officer=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("customs:origin_queue")
        messages.success(
            request,
            _("Certificate of origin %(number)s issued.") % {"number": certificate.number},
        )
        return redirect("customs:certificate", number=certificate.number)


class CertificateMixin:
    def _certificate(self):
        user = self.request.user
        certificate = reads.certificate_by_number(number=self.kwargs["number"])
        if certificate is None or not reads.certificate_visible_to(user, certificate):
            raise Http404("No such certificate of origin.")
        return certificate

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class CertificateView(CertificateMixin, TemplateView):
    template_name = "customs/certificate.html"

    def get_context_data(self, **kwargs):
        certificate = self._certificate()
        issuing = reads.is_issuing_officer(self.request.user, certificate)
        return super().get_context_data(
            certificate=certificate,
            may_revoke=issuing and certificate.can_become(certificate.Status.REVOKED),
            **kwargs,
        )

    def post(self, request, number):
        certificate = self._certificate()
        if not reads.is_issuing_officer(request.user, certificate):
            raise PermissionDenied
        try:
            certificate_revoke(
                certificate=certificate,
                reason=request.POST.get("reason", "")[:500],
                officer=request.user,
            )
            messages.success(request, _("Certificate revoked."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("customs:certificate", number=certificate.number)


class CertificatePdfView(CertificateMixin, View):
    def get(self, request, number):
        certificate = self._certificate()
        response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
        return response
