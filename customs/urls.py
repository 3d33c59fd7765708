from django.urls import path

from .views import audits, declarations, lvg, origin, permits, tariff, workbench

app_name = "customs"

urlpatterns = [
    path("", workbench.WorkbenchView.as_view(), name="workbench"),
    path("declarations/<str:reference>/", workbench.DeclarationView.as_view(), name="declaration"),
    path("audits/<str:reference>/", audits.AuditView.as_view(), name="audit"),
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
    path("permits/", permits.PermitsView.as_view(), name="permits"),
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
    path("lvg/registration/", lvg.LvgRegistrationView.as_view(), name="lvg_registration"),
    path(
        "lvg/registration/<uuid:public_id>/returns/<str:period>.<str:kind>",
        lvg.LvgReturnView.as_view(),
        name="lvg_return",
    ),
    path("lvg/", lvg.LvgRegistrationListView.as_view(), name="lvg_registrations"),
    path("origin/", origin.OriginDeclarationListView.as_view(), name="origin_declarations"),
    path(
        "origin/new/", origin.OriginDeclarationCreateView.as_view(), name="origin_declaration_new"
    ),
    path(
        "origin/<uuid:public_id>/",
        origin.OriginDeclarationDetailView.as_view(),
        name="origin_declaration",
    ),
    path("origin/issue/", origin.OriginQueueView.as_view(), name="origin_queue"),
    path("certificates/<str:number>/", origin.CertificateView.as_view(), name="certificate"),
    path(
        "certificates/<str:number>/certificate.pdf",
        origin.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
]
