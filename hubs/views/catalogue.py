"""The seller's listings, the HS picker, bulk imports, and the buyers' catalogue."""

import mimetypes

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.http import attachment
from ewtp.common.private_files import private_file_response

from .. import selectors
from ..forms.catalogue import CatalogueFilterForm, ImportForm, ProductForm
from ..forms.orders import AddToCartForm
from ..hs import hs_path, hs_search, hs_suggestions_for
from ..listing_checks import listing_warnings
from ..models import Product, ProductImage, ProductImport
from ..portal import form_error_from
from ..roles import OrganizationMixin, Perm, can_see_product
from ..services.catalogue import product_image_add, product_save, product_set_active
from ..services.imports import COLUMNS, import_template, product_import_start


class ProductListView(OrganizationMixin, ListView):
    permission = Perm.CATALOGUE_MANAGE
    template_name = "hubs/product_list.html"
    context_object_name = "products"
    paginate_by = 50

    def get_queryset(self):
        return selectors.products_of(seller=self.organization, with_images=True)


class ProductFormView(OrganizationMixin, FormView):
    """Create a listing, or edit one (``public_id`` in the URL)."""

    permission = Perm.CATALOGUE_MANAGE
    template_name = "hubs/product_form.html"
    form_class = ProductForm

    def dispatch(self, request, *args, **kwargs):
        self.product = None
        return super().dispatch(request, *args, **kwargs)

    def get_product(self):
        if "public_id" not in self.kwargs:
            return None
        try:
            return selectors.product_of(
                seller=self.organization, public_id=self.kwargs["public_id"]
            )
        except (Product.DoesNotExist, ValueError):
            raise Http404("No such product.") from None

    def get_form_kwargs(self):
        self.product = self.get_product()
        return {**super().get_form_kwargs(), "seller": self.organization, "instance": self.product}

    def get_context_data(self, **kwargs):
        # the form first: building it loads the product being edited (get_form_kwargs)
        kwargs.setdefault("form", self.get_form())
        return super().get_context_data(
            product=self.product,
            suggestions=hs_suggestions_for(self.organization),
            hs=hs_path(self.product.hs_code) if self.product else None,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            product = product_save(
                seller=self.organization,
                actor=self.request.user,
                data=form.product_data(),
                product=self.product,
                changed=form.changed_fields() if self.product else None,
            )
            image = form.cleaned_data.get("image")
            if image:
                product_image_add(product=product, image=image, actor=self.request.user)
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(sku)s.") % {"sku": product.sku})
        for warning in listing_warnings(product):
            messages.warning(self.request, warning)
        return redirect("hubs:product_list")


class ProductToggleView(OrganizationMixin, View):
    permission = Perm.CATALOGUE_MANAGE

    def post(self, request, public_id):
        try:
            product = selectors.product_of(seller=self.organization, public_id=public_id)
        except (Product.DoesNotExist, ValueError):
            raise Http404("No such product.") from None
        product_set_active(product=product, active=not product.is_active, actor=request.user)
        return redirect("hubs:product_list")


class HsSearchView(OrganizationMixin, View):
    """The HS picker (htmx): matches for words or a code prefix, with their path."""

    permission = Perm.CATALOGUE_MANAGE

    def get(self, request):
        query = request.GET.get("q", "")[:100]
        return render(
            request, "hubs/partials/hs_results.html", {"results": hs_search(query), "query": query}
        )


class ImportListView(OrganizationMixin, FormView):
    permission = Perm.CATALOGUE_MANAGE
    template_name = "hubs/import_list.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            imports=selectors.imports_of(seller=self.organization)[:50], columns=COLUMNS, **kwargs
        )

    def form_valid(self, form):
        try:
            job = product_import_start(
                seller=self.organization, actor=self.request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        return redirect("hubs:import_detail", public_id=job.public_id)


class ImportTemplateView(OrganizationMixin, View):
    """The file to fill in: the columns and an example row, as CSV or XLSX."""

    permission = Perm.CATALOGUE_MANAGE
    TYPES = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    def get(self, request, kind):
        if kind not in self.TYPES:
            raise Http404("The template is CSV or XLSX.")
        return attachment(
            import_template(kind), content_type=self.TYPES[kind], filename=f"ewtp-listings.{kind}"
        )


class ImportDetailView(OrganizationMixin, TemplateView):
    permission = Perm.CATALOGUE_MANAGE
    template_name = "hubs/import_detail.html"

    def get_context_data(self, **kwargs):
        try:
            job = selectors.imports_of(seller=self.organization).get(
                public_id=self.kwargs["public_id"]
            )
        except (ProductImport.DoesNotExist, ValueError):
            raise Http404("No such import.") from None
        return super().get_context_data(job=job, errors=job.errors.all()[:500], **kwargs)


class ImportProgressView(ImportDetailView):
    """The progress bar, polled by htmx every second until the import is over."""

    template_name = "hubs/partials/import_progress.html"

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["job"].status in (ProductImport.Status.DONE, ProductImport.Status.FAILED):
            response["HX-Refresh"] = "true"  # reload once to show the error table
        return response


class CatalogueView(OrganizationMixin, ListView):
    """Buyers browse approved sellers' listings reachable from their home hub."""

    permission = Perm.ORDERS_TRADE
    template_name = "hubs/catalogue.html"
    context_object_name = "products"
    paginate_by = 24

    def get_queryset(self):
        destination = self.organization.home_hub
        facets = selectors.catalogue_facets(destination=destination)
        self.filter_form = CatalogueFilterForm(
            self.request.GET or None,
            origins=facets.origins,
            currencies=facets.currencies,
            chapters=facets.chapters,
        )
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.catalogue_for(destination=destination, filters=filters).exclude(
            seller=self.organization
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.filter_form, query=query.urlencode(), **kwargs
        )


class CatalogueProductView(OrganizationMixin, TemplateView):
    permission = Perm.ORDERS_TRADE
    template_name = "hubs/catalogue_product.html"

    def get_context_data(self, **kwargs):
        try:
            product = selectors.catalogue_product(
                destination=self.organization.home_hub, public_id=self.kwargs["public_id"]
            )
        except (Product.DoesNotExist, ValueError):
            raise Http404("No such listing.") from None
        return super().get_context_data(
            product=product, hs=hs_path(product.hs_code), form=AddToCartForm(), **kwargs
        )


class ProductImageView(View):
    """A listing's picture, for signed-in users who may see the listing (media files are not
    served as static files). As ``thumbnail``: its thumbnail, or the picture itself while the
    thumbnail is being made or when none could be made."""

    thumbnail = False

    def get(self, request, public_id):
        if not request.user.is_authenticated:
            raise Http404
        image = (
            ProductImage.objects.select_related("product__seller")
            .filter(public_id=public_id)
            .first()
        )
        if image is None or not can_see_product(request.user, image.product):
            raise Http404("No such image.")
        stand_in = self.thumbnail and not image.thumbnail
        picture = image.thumbnail if self.thumbnail and not stand_in else image.image
        kind = mimetypes.guess_type(picture.name)[0] or "application/octet-stream"
        # the original standing in for a thumbnail is replaced within a minute or so
        return private_file_response(
            picture,
            content_type=kind,
            cache_control="private, max-age=60" if stand_in else "private, max-age=3600",
        )
