"""The page of a destination hub's operators for the goods peers announce: each consignment
as its manifest stated it, the import customs filed from it and where that stands, and the
scans (arrived, out for delivery, delivered) and claims (lost, damaged) they record. Every
scan is a service that audits itself and tells the peer."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from hubs.roles import Perm, PermissionRequiredMixin

from . import selectors
from .models import Consignment
from .services.consignments import consignment_scan

Status = Consignment.Status
# the scans offered on a consignment, by its status (claims need a note: a form of their own)
NEXT_SCAN = {
    Status.EXPECTED: Status.ARRIVED,
    Status.ARRIVED: Status.OUT_FOR_DELIVERY,
    Status.OUT_FOR_DELIVERY: Status.DELIVERED,
}


class IncomingView(PermissionRequiredMixin, TemplateView):
    permission = Perm.HUB_FLOOR
    template_name = "peering/incoming.html"

    def get_context_data(self, **kwargs):
        hub_id = self.request.user.official_hub_id
        rows = [
            {
                "consignment": consignment,
                "next": NEXT_SCAN.get(consignment.status),
                "claimable": bool(Consignment.TRANSITIONS[consignment.status]),
            }
            for consignment in (selectors.consignments_at(hub_id=hub_id) if hub_id else [])
        ]
        return super().get_context_data(rows=rows, claims=[Status.LOST, Status.DAMAGED], **kwargs)

    def post(self, request):
        hub_id = request.user.official_hub_id
        try:
            pk = int(request.POST.get("consignment", ""))
        except ValueError:
            pk = None
        consignment = selectors.consignment_at(hub_id=hub_id, pk=pk) if pk and hub_id else None
        if consignment is None:
            raise Http404("No such consignment at your hub.")
        to = request.POST.get("status", "")
        if to not in Status.values:
            messages.error(request, _("Choose a scan."))
            return redirect("peering:incoming")
        try:
            consignment = consignment_scan(
                consignment=consignment,
                to=to,
                actor=request.user,
                note=request.POST.get("note", ""),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Order %(order)s: %(status)s. %(peer)s is told.")
                % {
                    "order": consignment.order_reference,
                    "status": consignment.get_status_display(),
                    "peer": consignment.peer.name,
                },
            )
        return redirect("peering:incoming")
