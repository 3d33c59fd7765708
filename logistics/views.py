"""Portal pages of logistics: an order's parcels and labels (sellers), the hub floor and the
flights (operators), manifests, and the public tracking page."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.http import attachment, client_network
from ewtp.common.throttles import KeyedThrottle, retry_after_minutes, throttle_check
from hubs.models import Order
from hubs.portal import HubOfficialMixin, form_error_from
from hubs.roles import Perm, PermissionRequiredMixin, can_act_for, can_oversee, has_permission
from hubs.selectors import order_visible_to

from . import documents, selectors
from .errors import LogisticsErrorCode
from .forms import (
    DropOffForm,
    FlightScheduleForm,
    ParcelForm,
    ReasonForm,
    ScanForm,
    TrackingProofForm,
    WeighForm,
)
from .models import Flight, Parcel
from .services import floor
from .services.consolidation import consolidations_build
from .services.flights import flight_cancel, flights_import
from .services.parcels import ParcelRequest, parcel_create, parcel_drop_off_book

MAX_SCHEDULE_BYTES = 5_000_000


class OrderParcelsView(TemplateView):
    """The order's parcels with their timelines; the seller packs and books drop-offs here."""

    template_name = "logistics/order_parcels.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise Http404
        try:
            self.order = order_visible_to(user=request.user, reference=kwargs["reference"])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        self.is_seller = can_act_for(request.user, self.order.seller, Perm.ORDERS_TRADE)
        return super().dispatch(request, *args, **kwargs)

    def _parcel_form(self, data=None) -> ParcelForm:
        lines = list(self.order.lines.order_by("line_no"))
        left = selectors.quantities_left_to_pack(order=self.order)
        return ParcelForm(data, lines=[line for line in lines if left[line.pk]], left=left)

    def get_context_data(self, form=None, **kwargs):
        may_pack = self.is_seller and self.order.status in (
            Order.Status.PAID,
            Order.Status.IN_CUSTOMS,
        )
        form = form or (self._parcel_form() if may_pack else None)
        parcels = list(selectors.parcels_of_order(order=self.order))
        zones = selectors.hub_zones()
        for parcel in parcels:
            parcel.timeline = selectors.with_local_times(parcel.events.all(), zones)
        return super().get_context_data(
            order=self.order,
            parcels=parcels,
            form=form if form is not None and form.line_fields else None,
            drop_off_form=DropOffForm(),
            is_seller=self.is_seller,
            zone=self.order.origin_hub.zone,
            **kwargs,
        )

    def post(self, request, reference):
        if not self.is_seller:
            raise PermissionDenied
        if "drop_off" in request.POST:
            return self._book(request)
        form = self._parcel_form(request.POST)
        if form.is_valid():
            try:
                parcel = parcel_create(
                    order=self.order,
                    request=ParcelRequest(
                        weight_kg=form.cleaned_data["weight_kg"],
                        length_cm=form.cleaned_data["length_cm"],
                        width_cm=form.cleaned_data["width_cm"],
                        height_cm=form.cleaned_data["height_cm"],
                        items=form.items(),
                    ),
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("Parcel %(waybill)s created: print its label.") % {"waybill": parcel.waybill},
                )
                return redirect("logistics:order_parcels", reference=reference)
            except ApplicationError as error:
                form_error_from(form, error)
        return self.render_to_response(self.get_context_data(form=form))

    def _book(self, request):
        parcel = self.order.parcels.filter(waybill=request.POST.get("waybill", "")).first()
        if parcel is None:
            raise Http404
        # the time is the centre's local time, as the seller sees it there
        with timezone.override(parcel.facility.hub.zone):
            form = DropOffForm(request.POST)
            valid = form.is_valid()
        if not valid:
            messages.error(request, _("Give the drop-off date and time."))
        else:
            try:
                parcel_drop_off_book(
                    parcel=parcel, at=form.cleaned_data["drop_off_at"], actor=request.user
                )
                messages.success(request, _("Drop-off booked."))
            except ApplicationError as error:
                messages.error(request, error.message)
        return redirect("logistics:order_parcels", reference=self.order.reference)


class ParcelLabelView(TemplateView):
    def get(self, request, waybill):
        parcel = (
            Parcel.objects.select_related(
                "order__seller", "order__buyer", "facility", "eroad__origin", "eroad__destination"
            )
            .filter(waybill=waybill)
            .first()
        )
        if parcel is None or not request.user.is_authenticated:
            raise Http404
        if not selectors.parcel_visible_to(request.user, parcel):
            raise Http404
        return attachment(
            documents.label_pdf(parcel),
            content_type="application/pdf",
            filename=f"{parcel.waybill}.pdf",
            inline=True,
        )


class FloorView(PermissionRequiredMixin, TemplateView):
    """The operator's workbench: a scanner types the waybill into the field and presses Enter;
    the parcel's card offers what can be done with it at this hub."""

    permission = Perm.HUB_FLOOR
    template_name = "logistics/floor.html"

    def get_context_data(self, **kwargs):
        scan = ScanForm(self.request.GET or None)
        parcel = None
        if scan.is_valid():
            try:
                parcel = floor.parcel_find(waybill=scan.cleaned_data["waybill"])
            except ApplicationError as error:
                form_error_from(scan, error)
        if parcel is not None and not selectors.parcel_visible_to(self.request.user, parcel):
            scan.add_error("waybill", _("This parcel is not handled at your hub."))
            parcel = None
        return super().get_context_data(
            scan=ScanForm() if parcel else scan,
            parcel=parcel,
            events=selectors.parcel_timeline(parcel=parcel) if parcel else [],
            weigh_form=WeighForm(),
            reason_form=ReasonForm(),
            at_origin=parcel is not None
            and parcel.facility.hub_id == self.request.user.official_hub_id,
            **kwargs,
        )

    ACTIONS = {
        "receive": lambda p, post, user: floor.parcel_receive(parcel=p, actor=user),
        "hold": lambda p, post, user: floor.parcel_hold(
            parcel=p, reason=post.get("reason", ""), actor=user
        ),
        "release_hold": lambda p, post, user: floor.parcel_hold_release(parcel=p, actor=user),
        "return": lambda p, post, user: floor.parcel_return(
            parcel=p, reason=post.get("reason", "") or "Returned at the hub", actor=user
        ),
        "out_for_delivery": lambda p, post, user: floor.parcel_out_for_delivery(
            parcel=p, actor=user
        ),
        "deliver": lambda p, post, user: floor.parcel_deliver(parcel=p, actor=user),
        "exception": lambda p, post, user: floor.parcel_exception(
            parcel=p, reason=post.get("reason", "") or "Exception at the hub", actor=user
        ),
    }

    def post(self, request):
        action = request.POST.get("action", "")
        try:
            parcel = floor.parcel_find(waybill=request.POST.get("waybill", ""))
            if action == "weigh":
                form = WeighForm(request.POST)
                if not form.is_valid():
                    raise ApplicationError(
                        _("Enter the scale reading in kg."), LogisticsErrorCode.FORM_INVALID
                    )
                parcel = floor.parcel_weigh(
                    parcel=parcel, measured_kg=form.cleaned_data["measured_kg"], actor=request.user
                )
                if parcel.weight_flagged:
                    messages.warning(
                        request, _("Weight outside the tolerance: flagged and reported to customs.")
                    )
            elif action in self.ACTIONS:
                self.ACTIONS[action](parcel, request.POST, request.user)
            else:
                raise ApplicationError(_("Unknown action."), LogisticsErrorCode.FORM_INVALID)
            messages.success(request, _("Done: %(waybill)s.") % {"waybill": parcel.waybill})
            return redirect(f"{request.path}?waybill={parcel.waybill}")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(request.path)


class FlightListView(PermissionRequiredMixin, TemplateView):
    """Flights from and to the operator's hub with their loads; consolidate, cancel, upload a
    schedule. Officers see every hub's."""

    template_name = "logistics/flights.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            has_permission(request.user, Perm.HUB_FLOOR) or can_oversee(request.user)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _flights(self):
        user = self.request.user
        statuses = (
            [self.request.GET["status"]]
            if self.request.GET.get("status") in (Flight.Status.values)
            else [Flight.Status.SCHEDULED, Flight.Status.DEPARTED]
        )
        if user.official_hub_id:
            return selectors.flights_of_hub(hub=user.official_hub, statuses=statuses)
        return (
            Flight.objects.filter(status__in=statuses)
            .select_related("carrier", "eroad__origin", "eroad__destination")
            .order_by("departs_at", "id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            flights=self._flights()[:200],
            schedule_form=FlightScheduleForm(),
            reason_form=ReasonForm(),
            may_operate=has_permission(self.request.user, Perm.HUB_FLOOR),
            statuses=Flight.Status.choices,
            **kwargs,
        )

    def post(self, request):
        if not has_permission(request.user, Perm.HUB_FLOOR):
            raise PermissionDenied
        try:
            if "consolidate" in request.POST:
                # an operator consolidates its own hub's departures (an administrator all)
                boarded = consolidations_build(
                    origin_hub=request.user.official_hub, actor=request.user
                )
                messages.success(
                    request,
                    ngettext("%(count)s parcel loaded.", "%(count)s parcels loaded.", boarded)
                    % {"count": boarded},
                )
            elif "cancel" in request.POST:
                self._cancel(request)
            elif "upload" in request.POST:
                self._upload(request)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("logistics:flights")

    def _cancel(self, request):
        try:
            public_id = uuid.UUID(request.POST.get("flight", ""))
        except ValueError:
            raise Http404 from None
        flights = Flight.objects.filter(public_id=public_id)
        if request.user.official_hub_id:  # only the hub it leaves from cancels a departure
            flights = flights.filter(eroad__origin_id=request.user.official_hub_id)
        flight = flights.first()
        if flight is None:
            raise Http404
        moved = flight_cancel(
            flight=flight,
            reason=request.POST.get("reason", ""),
            actor_label=request.user.email,
            actor=request.user,
        )
        messages.success(
            request, _("Flight cancelled; %(count)s parcels moved.") % {"count": moved}
        )

    def _upload(self, request):
        form = FlightScheduleForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ApplicationError(_("Choose a CSV file."), LogisticsErrorCode.FORM_INVALID)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_SCHEDULE_BYTES:
            raise ApplicationError(
                _("A schedule file is at most 5 MB."), LogisticsErrorCode.FORM_INVALID
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApplicationError(
                _("The file is not UTF-8 text (CSV)."), LogisticsErrorCode.FORM_INVALID
            ) from None
        created = flights_import(
            text=text, origin_hub=request.user.official_hub, actor=request.user
        )
        messages.success(request, _("%(count)s flights added.") % {"count": created})


class ManifestView(PermissionRequiredMixin, TemplateView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            has_permission(request.user, Perm.HUB_FLOOR) or can_oversee(request.user)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, public_id, kind):
        flights = Flight.objects.select_related("eroad__origin", "eroad__destination", "carrier")
        hub = request.user.official_hub_id
        if hub and not can_oversee(request.user):  # the hubs it leaves from or flies to
            flights = flights.filter(Q(eroad__origin_id=hub) | Q(eroad__destination_id=hub))
        flight = flights.filter(public_id=public_id).first()
        if flight is None or kind not in ("pdf", "csv"):
            raise Http404
        parcels = flight.parcels.select_related("order").order_by("waybill")
        name = f"manifest-{flight.number}-{flight.departs_at:%Y%m%d}"
        if kind == "csv":
            body, content_type = documents.manifest_csv(flight, parcels), "text/csv; charset=utf-8"
        else:
            body, content_type = documents.manifest_pdf(flight, parcels), "application/pdf"
        return attachment(body, content_type=content_type, filename=f"{name}.{kind}")


class WeightMismatchView(HubOfficialMixin, TemplateView):
    """Customs officers of a hub: the parcels weighed outside the tolerance, to accept the
    measured weight (the parcel may board) or to reject the export on the workbench."""

    permission = Perm.CUSTOMS_WORKBENCH
    not_posted = "This list belongs to a hub's customs officers."
    template_name = "logistics/weight_mismatches.html"

    def get_context_data(self, **kwargs):
        hub = self.request.user.official_hub
        return super().get_context_data(
            hub=hub, parcels=selectors.weight_mismatches_at(hub=hub)[:200], **kwargs
        )

    def post(self, request):
        parcel = (
            Parcel.objects.select_related("facility")
            .filter(waybill=request.POST.get("waybill", "")[:12])
            .first()
        )
        if parcel is None:
            raise Http404("No such parcel.")
        try:
            floor.parcel_weight_accept(parcel=parcel, actor=request.user)
            messages.success(
                request,
                _("Weight accepted: parcel %(waybill)s may board.") % {"waybill": parcel.waybill},
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("logistics:weight_mismatches")


class PublicTrackingView(TemplateView):
    """Anyone with a waybill number sees the parcel's current status, nothing personal. The
    places and times of its journey need what its recipient knows (TrackingProofForm): the
    order reference, or the postcode of the delivery address. Lookups are limited per address
    (THROTTLE_TRACKING_ADDRESS); postcodes, short and partly guessable from the destination,
    are also limited per parcel (THROTTLE_TRACKING_PROOF), whoever guesses. The order
    reference is not guessable and is accepted even then, so a recipient who has it is never
    kept out by someone else's guesses."""

    template_name = "logistics/track.html"

    def dispatch(self, request, *args, **kwargs):
        self.waybill = (kwargs.get("waybill") or request.GET.get("waybill") or "").strip()
        if self.waybill:
            wait = throttle_check(KeyedThrottle("tracking_address", client_network(request)))
            if wait is not None:
                return self.page(status=429, retry_after=wait)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        parcel = selectors.public_parcel(waybill=self.waybill) if self.waybill else None
        return self.page(parcel=parcel, form=TrackingProofForm())

    def post(self, request, *args, **kwargs):
        parcel = selectors.public_parcel(waybill=self.waybill) if self.waybill else None
        form = TrackingProofForm(request.POST)
        if parcel is None or not form.is_valid():
            return self.page(parcel=parcel, form=form)
        proof = form.cleaned_data["proof"]
        if selectors.recipient_knows_reference(parcel=parcel, proof=proof):
            return self.page(parcel=parcel, events=selectors.public_timeline(parcel=parcel))
        wait = throttle_check(KeyedThrottle("tracking_proof", parcel.waybill))
        if wait is not None:
            minutes = retry_after_minutes(wait)
            form.add_error(
                "proof",
                ngettext(
                    "Too many tries for this parcel. Enter the order reference, or try the "
                    "postcode again in %(minutes)s minute.",
                    "Too many tries for this parcel. Enter the order reference, or try the "
                    "postcode again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return self.page(parcel=parcel, form=form, status=429, retry_after=wait)
        if selectors.recipient_knows_postcode(parcel=parcel, proof=proof):
            return self.page(parcel=parcel, events=selectors.public_timeline(parcel=parcel))
        form.add_error(
            "proof",
            _("This is neither the postcode of the delivery address nor the order reference."),
        )
        return self.page(parcel=parcel, form=form)

    def page(self, *, parcel=None, form=None, events=None, status=200, retry_after=None):
        """The page; ``events`` only for a proven recipient, ``form`` asks for the proof."""
        context = self.get_context_data(
            waybill=self.waybill[:20],  # shown as typed, at most 20 characters
            searched=bool(self.waybill),
            parcel=parcel,
            events=events,
            proof_form=form if events is None else None,
            retry_minutes=retry_after_minutes(retry_after) if retry_after else None,
        )
        response = self.render_to_response(context, status=status)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
