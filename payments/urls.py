from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("statement/", views.StatementView.as_view(), name="statement"),
    path("orders/<str:reference>/", views.OrderPaymentView.as_view(), name="order_payment"),
]
