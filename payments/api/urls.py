from django.urls import path

from . import views

urlpatterns = [
    path("payments/incoming", views.IncomingPaymentApi.as_view(), name="api-payment-incoming"),
]
