from django.urls import path

from . import views

urlpatterns = [
    path("tracking/<str:waybill>", views.ParcelTrackingApi.as_view(), name="api-tracking"),
]
