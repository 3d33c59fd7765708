from django.urls import path

from . import credit_views, treasury_views, views

app_name = "payments"

urlpatterns = [
    path("statement/", views.StatementView.as_view(), name="statement"),
    path("orders/<str:reference>/", views.OrderPaymentView.as_view(), name="order_payment"),
    path("credit/loan/", credit_views.LoanView.as_view(), name="loan"),
    path("credit/portfolio/", credit_views.CreditPortfolioView.as_view(), name="credit_portfolio"),
    path("treasury/", treasury_views.TreasuryView.as_view(), name="treasury"),
    path(
        "treasury/instructions/<uuid:public_id>/pain001",
        treasury_views.TreasuryInstructionView.as_view(),
        name="treasury_instruction",
    ),
    path(
        "treasury/reconciliation/",
        treasury_views.ReconciliationListView.as_view(),
        name="reconciliations",
    ),
    path(
        "treasury/reconciliation/<uuid:public_id>/",
        treasury_views.ReconciliationDetailView.as_view(),
        name="reconciliation",
    ),
]
