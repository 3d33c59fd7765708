from django.urls import path

from . import views

app_name = "demo"

urlpatterns = [
    # the demo's fast-forward (DEMO_TOOLS): 404 elsewhere
    path(
        "orders/<str:reference>/fast-forward/",
        views.OrderFastForwardView.as_view(),
        name="order_fast_forward",
    ),
]
