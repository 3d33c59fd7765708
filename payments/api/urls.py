from django.urls import path

from . import credit, intents, payouts, statements, treasury, views

urlpatterns = [
    path(
        "orders/<str:reference>/payment",
        intents.OrderPaymentApi.as_view(),
        name="api-order-payment",
    ),
    path("payments/incoming", views.IncomingPaymentApi.as_view(), name="api-payment-incoming"),
    path("payouts/batches/", payouts.PayoutBatchListApi.as_view(), name="api-payout-batches"),
    path(
        "payouts/batches/<uuid:public_id>/payouts/",
        payouts.PayoutBatchPayoutsApi.as_view(),
        name="api-payout-batch-payouts",
    ),
    path(
        "payouts/batches/<uuid:public_id>/pain001",
        payouts.PayoutBatchFileApi.as_view(),
        name="api-payout-pain001",
    ),
    path("payouts/status", payouts.PayoutStatusApi.as_view(), name="api-payout-status"),
    path(
        "credit/applications/",
        credit.CreditApplicationListApi.as_view(),
        name="api-credit-applications",
    ),
    path(
        "credit/applications/<str:reference>",
        credit.CreditApplicationDetailApi.as_view(),
        name="api-credit-application",
    ),
    path(
        "credit/applications/<str:reference>/decision",
        credit.CreditDecisionApi.as_view(),
        name="api-credit-decision",
    ),
    path("statements/", statements.BankAccountListApi.as_view(), name="api-statement-accounts"),
    path("statements/<str:currency>", statements.StatementApi.as_view(), name="api-statement"),
    path(
        "statements/<str:currency>/camt053",
        statements.StatementFileApi.as_view(),
        name="api-statement-camt053",
    ),
    path("reconciliations/", treasury.StatementUploadApi.as_view(), name="api-reconciliations"),
    path(
        "treasury/instructions/",
        treasury.InstructionListApi.as_view(),
        name="api-treasury-instructions",
    ),
    path(
        "treasury/instructions/<uuid:public_id>/pain001",
        treasury.InstructionFileApi.as_view(),
        name="api-treasury-instruction-pain001",
    ),
]
