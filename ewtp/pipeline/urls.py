from django.urls import path

from . import credit_views, views

app_name = "pipeline"

urlpatterns = [
    path(
        "orders/<str:reference>/timeline/",
        views.OrderTimelineView.as_view(),
        name="order_timeline",
    ),
    # the demo's fast-forward (DEMO_TOOLS): 404 elsewhere
    path(
        "orders/<str:reference>/fast-forward/",
        views.OrderFastForwardView.as_view(),
        name="order_fast_forward",
    ),
    path("credit/", credit_views.CreditView.as_view(), name="credit"),
]
