from django.urls import path

from .views import declarations, tariff, workbench

app_name = "customs"

urlpatterns = [
    path("", workbench.WorkbenchView.as_view(), name="workbench"),
    path("declarations/<str:reference>/", workbench.DeclarationView.as_view(), name="declaration"),
    path(
        "declarations/<str:reference>/declaration.pdf",
        declarations.DeclarationPdfView.as_view(),
        name="declaration_pdf",
    ),
    path(
        "declarations/<str:reference>/documents/<uuid:document_id>",
        declarations.DeclarationDocumentView.as_view(),
        name="declaration_document",
    ),
    path("tariff/", tariff.TariffCoverageView.as_view(), name="tariff_coverage"),
    path("tariff/schedules/", tariff.TariffScheduleView.as_view(), name="tariff_schedules"),
    path("mine/", declarations.DeclarationListView.as_view(), name="my_declarations"),
    path("mine/new/", declarations.DeclarationCreateView.as_view(), name="declaration_new"),
    path(
        "mine/<str:reference>/",
        declarations.DeclarationDetailView.as_view(),
        name="my_declaration",
    ),
    path(
        "mine/<str:reference>/amend/",
        declarations.DeclarationAmendView.as_view(),
        name="declaration_amend",
    ),
]
