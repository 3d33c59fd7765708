from django.urls import path

from . import incoming_views, views

app_name = "peering"

urlpatterns = [
    path("", views.ERoadView.as_view(), name="eroad"),
    path("incoming/", incoming_views.IncomingView.as_view(), name="incoming"),
]
