from django.urls import path

from . import declarations, quotes

urlpatterns = [
    path("declarations/", declarations.DeclarationListApi.as_view(), name="api-declaration-list"),
    path(
        "declarations/submit",
        declarations.DeclarationBatchSubmitApi.as_view(),
        name="api-declaration-submit-batch",
    ),
    path(
        "declarations/<str:reference>",
        declarations.DeclarationDetailApi.as_view(),
        name="api-declaration-detail",
    ),
    path(
        "declarations/<str:reference>/submit",
        declarations.DeclarationSubmitApi.as_view(),
        name="api-declaration-submit",
    ),
    path(
        "declarations/<str:reference>/amend",
        declarations.DeclarationAmendApi.as_view(),
        name="api-declaration-amend",
    ),
    path(
        "declarations/<str:reference>/cancel",
        declarations.DeclarationCancelApi.as_view(),
        name="api-declaration-cancel",
    ),
    path("duty-quotes", quotes.DutyQuoteApi.as_view(), name="api-duty-quote"),
]
