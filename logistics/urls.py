from django.urls import path, re_path

from . import views

app_name = "logistics"

urlpatterns = [
    path(
        "logistics/orders/<str:reference>/parcels/",
        views.OrderParcelsView.as_view(),
        name="order_parcels",
    ),
    path(
        "logistics/parcels/<str:waybill>/label.pdf",
        views.ParcelLabelView.as_view(),
        name="parcel_label",
    ),
    path("logistics/floor/", views.FloorView.as_view(), name="floor"),
    path("logistics/flights/", views.FlightListView.as_view(), name="flights"),
    path(
        "logistics/weight-mismatches/",
        views.WeightMismatchView.as_view(),
        name="weight_mismatches",
    ),
    re_path(
        r"^logistics/flights/(?P<public_id>[0-9a-f-]{36})/manifest\.(?P<kind>pdf|csv)$",
        views.ManifestView.as_view(),
        name="manifest",
    ),
    path("track/", views.PublicTrackingView.as_view(), name="track"),
    path("track/<str:waybill>/", views.PublicTrackingView.as_view(), name="track_waybill"),
]
