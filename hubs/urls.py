from django.urls import path

from .views import accounts, catalogue, network, orders, organizations, webhooks

app_name = "hubs"

urlpatterns = [
    path("", accounts.LandingView.as_view(), name="landing"),
    path("home/", accounts.HomeView.as_view(), name="home"),
    path("help/words/", accounts.GlossaryView.as_view(), name="glossary"),
    path("signup/", accounts.SignUpView.as_view(), name="signup"),
    path(
        "invitations/<str:token>/",
        accounts.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("language/", accounts.language_switch, name="language_switch"),
    # the user's organisation
    path("organisation/", organizations.MyOrganizationView.as_view(), name="my_organization"),
    path(
        "organisation/edit/", organizations.OrganizationEditView.as_view(), name="organization_edit"
    ),
    path(
        "organisation/invite/",
        organizations.InvitationCreateView.as_view(),
        name="invitation_create",
    ),
    path(
        "organisation/verification/", organizations.VerificationView.as_view(), name="verification"
    ),
    path("organisation/api-clients/", organizations.ApiClientsView.as_view(), name="api_clients"),
    path(
        "organisation/api-clients/<str:client_id>/revoke/",
        organizations.ApiClientRevokeView.as_view(),
        name="api_client_revoke",
    ),
    path(
        "organisation/api-clients/<str:client_id>/rotate/",
        organizations.ApiClientRotateView.as_view(),
        name="api_client_rotate",
    ),
    path(
        "organisation/api-clients/<str:client_id>/webhooks/",
        webhooks.WebhooksView.as_view(),
        name="webhooks",
    ),
    path(
        "documents/<uuid:public_id>/", organizations.KycDocumentView.as_view(), name="kyc_document"
    ),
    # officers
    path("organisations/", organizations.OrganizationListView.as_view(), name="organization_list"),
    path(
        "organisations/<uuid:public_id>/",
        organizations.OrganizationReviewView.as_view(),
        name="organization_review",
    ),
    # the seller's catalogue
    path("products/", catalogue.ProductListView.as_view(), name="product_list"),
    path("products/new/", catalogue.ProductFormView.as_view(), name="product_create"),
    path("products/hs-search/", catalogue.HsSearchView.as_view(), name="hs_search"),
    path("products/imports/", catalogue.ImportListView.as_view(), name="import_list"),
    path(
        "products/imports/template.<str:kind>",
        catalogue.ImportTemplateView.as_view(),
        name="import_template",
    ),
    path(
        "products/imports/<uuid:public_id>/",
        catalogue.ImportDetailView.as_view(),
        name="import_detail",
    ),
    path(
        "products/imports/<uuid:public_id>/progress/",
        catalogue.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path("products/<uuid:public_id>/", catalogue.ProductFormView.as_view(), name="product_edit"),
    path(
        "products/<uuid:public_id>/toggle/",
        catalogue.ProductToggleView.as_view(),
        name="product_toggle",
    ),
    path("images/<uuid:public_id>/", catalogue.ProductImageView.as_view(), name="product_image"),
    path(
        "images/<uuid:public_id>/thumbnail/",
        catalogue.ProductImageView.as_view(thumbnail=True),
        name="product_thumbnail",
    ),
    # buying
    path("catalogue/", catalogue.CatalogueView.as_view(), name="catalogue"),
    path(
        "catalogue/<uuid:public_id>/",
        catalogue.CatalogueProductView.as_view(),
        name="catalogue_product",
    ),
    path("catalogue/<uuid:public_id>/add/", orders.CartAddView.as_view(), name="cart_add"),
    path("cart/", orders.CartView.as_view(), name="cart"),
    path("orders/", orders.OrderListView.as_view(), name="order_list"),
    path("orders/<str:reference>/", orders.OrderDetailView.as_view(), name="order_detail"),
    # the network
    path("hubs/", network.HubListView.as_view(), name="hub_list"),
    path("hubs/<str:code>/", network.HubDetailView.as_view(), name="hub_detail"),
]
