from django.urls import path

from . import orders, organization, products, views

urlpatterns = [
    path("hubs/", views.HubListApi.as_view(), name="api-hub-list"),
    path("organization", organization.OrganizationApi.as_view(), name="api-organization"),
    path("products/", products.ProductListApi.as_view(), name="api-product-list"),
    path(
        "products/<uuid:public_id>", products.ProductDetailApi.as_view(), name="api-product-detail"
    ),
    path("listings/", products.ListingListApi.as_view(), name="api-listing-list"),
    path("orders/", orders.OrderListApi.as_view(), name="api-order-list"),
    path("orders/<str:reference>", orders.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<str:reference>/cancel", orders.OrderCancelApi.as_view(), name="api-order-cancel"),
]
