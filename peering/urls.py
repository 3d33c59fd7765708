from django.urls import path

from . import views

app_name = "peering"

urlpatterns = [
    path("", views.ERoadView.as_view(), name="eroad"),
]
