from django.urls import path

from . import inbound, orders, stock, warehouses

urlpatterns = [
    path("warehouses/", warehouses.WarehouseListApi.as_view(), name="api-warehouse-list"),
    path(
        "warehouses/<str:code>/orders",
        orders.StockOrderApi.as_view(),
        name="api-warehouse-orders",
    ),
    path(
        "warehouses/<str:code>/orders/<str:reference>/return",
        orders.StockReturnApi.as_view(),
        name="api-warehouse-order-return",
    ),
    path("stock", stock.StockReportApi.as_view(), name="api-stock-report"),
    path("stock/availability", stock.StockAvailabilityApi.as_view(), name="api-stock-availability"),
    path("inbound-shipments", inbound.InboundShipmentListApi.as_view(), name="api-inbound-list"),
    path(
        "inbound-shipments/<str:reference>",
        inbound.InboundShipmentDetailApi.as_view(),
        name="api-inbound-detail",
    ),
]
