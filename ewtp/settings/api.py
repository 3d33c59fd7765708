"""The API: DRF, the OAuth2 scopes and tokens, the OpenAPI document, idempotency keys."""

from datetime import timedelta

from .environment import env

REST_FRAMEWORK = {
    # OAuth2 first: its Bearer challenge decides that an anonymous call gets 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # django-oauth-toolkit's, with one oauthlib server per process
        "ewtp.common.oauth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ewtp.common.api.permissions.HasValidToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "ewtp.common.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "ewtp.common.api.schema.HubAutoSchema",
    "EXCEPTION_HANDLER": "ewtp.common.api.problems.problem_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}

# Scopes a partner may be granted. An API client is granted a subset (ewtp.common.ApiClient).
API_SCOPES = {
    "hubs:read": "Read hubs and e-roads",
    "organization:read": "Read the calling organisation's profile",
    "organization:write": "Update the calling organisation's profile and payout account",
    "products:read": "Read the organisation's products and the catalogue of listings",
    "products:write": "Create, update and deactivate the organisation's products",
    "orders:read": "Read the caller's orders (a channel's own; an organisation's sales and buys)",
    "orders:write": "Place and cancel orders",
    "statements:read": "Read the statements of the hub's accounts held at the bank",
    "statements:write": "Send the bank's statements (camt.053) of the hub's accounts, for "
    "reconciliation",
    "treasury:read": "List and download the hub's FX deal instructions (pain.001) to the bank",
    "payments:write": "Confirm incoming payments and report payout results",
    "payouts:read": "List and download payout batches routed through the bank",
    "payouts:write": "Report the status of each payout",
    "credit:read": "Read consented credit applications",
    "credit:write": "Record credit decisions",
    "tracking:read": "Read parcel tracking",
    "customs:read": "Read customs declarations (an organisation's own; a channel's orders')",
    "customs:write": "File, submit, amend and cancel the organisation's declarations",
    "customs:quote": "Quote the duties and taxes of an import (landed cost at checkout)",
    "analytics:read": "Read the zone's trade dashboards as data (an authority's client)",
    "webhooks:manage": "Register, change, disable and delete the client's webhook endpoints, "
    "rotate their secrets, send a test event and read their delivery log",
}
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "SCOPES_BACKEND_CLASS": "ewtp.common.oauth.ApiClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "ewtp.common.oauth.ApiClientValidator",
    # Short-lived: a leaked token is worth ten minutes; clients ask for a new one as they go.
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_TOKEN_SECONDS", default=600),
    # Resource calls are verified from the Authorization header alone (ewtp.common.oauth).
    "OAUTH2_BACKEND_CLASS": "ewtp.common.oauth.HeaderOnlyOAuthLibCore",
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): no implicit or password grants, hashed tokens,
    # tokens only in the Authorization header, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# Named explicitly so that migrations referring to them resolve (django-oauth-toolkit models).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

SPECTACULAR_SETTINGS = {
    "TITLE": "eWTP Hub API",
    "DESCRIPTION": (
        "REST API for partner banks and sales channels. Authenticate with OAuth2 client "
        "credentials (POST /api/v1/oauth/token/ with your client id and secret and the scopes "
        "you need); send the access token as `Authorization: Bearer <token>`. Every error is "
        "`application/problem+json` (RFC 9457) with `title`, `status`, `detail`, `code` and, "
        "for invalid input, `errors` naming each field. Money is "
        '`{"amount": "123.45", "currency": "MYR"}` with the amount as a string. POSTs that '
        "create or move something take an `Idempotency-Key` header: the same key with the "
        "same body replays the first response; with another body it is refused (422). "
        "Values have exactly the JSON type the schema gives (`0` is not `false`, `123` not "
        '`"123"`); text never contains U+0000. A request that follows the schema but names '
        "something that does not exist for you (an order, a product, a hub) is a 404 naming "
        "the field; one the current state does not allow (out of stock, already cancelled) a "
        "409; list operations answer one page `{next, previous, results}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/api/v1/oauth/token/",
    "OAUTH2_SCOPES": API_SCOPES,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ewtp.common.api.schema.add_problem_responses",
    ],
    # one name for the country codes the API takes in several places
    "ENUM_NAME_OVERRIDES": {"CountryEnum": "hubs.forms.catalogue.COUNTRY_CHOICES"},
}

# Idempotency keys are kept this long; a replay after that is treated as a new request.
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48))
