from django.urls import path

from . import views

app_name = "pipeline"

urlpatterns = [
    path(
        "orders/<str:reference>/timeline/",
        views.OrderTimelineView.as_view(),
        name="order_timeline",
    ),
]
