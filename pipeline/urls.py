from django.urls import path

from . import credit_views, views

app_name = "pipeline"

urlpatterns = [
    path(
        "orders/<str:reference>/timeline/",
        views.OrderTimelineView.as_view(),
        name="order_timeline",
    ),
    path("credit/", credit_views.CreditView.as_view(), name="credit"),
]
