"""The warehousing pages of the portal (under /warehouses/)."""

from django.urls import path

from .views import counts, floor, officer, seller

app_name = "warehousing"

urlpatterns = [
    # the seller's
    path("stock/", seller.StockReportView.as_view(), name="stock"),
    path("inbound/", seller.InboundListView.as_view(), name="inbound_list"),
    path("inbound/new/", seller.InboundBookView.as_view(), name="inbound_book"),
    path("inbound/<uuid:public_id>/", seller.InboundDetailView.as_view(), name="inbound_detail"),
    # the hub operators'
    path("floor/", floor.FloorView.as_view(), name="floor"),
    path(
        "floor/inbound/<uuid:public_id>/",
        floor.InboundCountView.as_view(),
        name="inbound_count",
    ),
    path("floor/<str:code>/count/", counts.CycleCountView.as_view(), name="cycle_count"),
    path("floor/labels/<str:waybill>.pdf", floor.PackingLabelView.as_view(), name="packing_label"),
    path(
        "floor/orders/<str:waybill>/pack/",
        floor.FulfilmentPackView.as_view(),
        name="fulfilment_pack",
    ),
    path(
        "floor/orders/<str:waybill>/hand-over/",
        floor.FulfilmentDispatchView.as_view(),
        name="fulfilment_dispatch",
    ),
    # the customs officers'
    path("ledger/", officer.BondedLedgerView.as_view(), name="ledger"),
    path("adjustments/", officer.AdjustmentQueueView.as_view(), name="adjustments"),
]
