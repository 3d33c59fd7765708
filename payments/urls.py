from django.urls import path

from . import credit_views, views

app_name = "payments"

urlpatterns = [
    path("statement/", views.StatementView.as_view(), name="statement"),
    path("orders/<str:reference>/", views.OrderPaymentView.as_view(), name="order_payment"),
    path("credit/loan/", credit_views.LoanView.as_view(), name="loan"),
    path("credit/portfolio/", credit_views.CreditPortfolioView.as_view(), name="credit_portfolio"),
]
