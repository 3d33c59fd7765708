"""OAuth2 scopes per API client: a client may only ever get the scopes it was granted."""

from django.http import QueryDict
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from .token_cache import access_token_load


class ApiClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "api_client", None) if application else None
        if client is None or not client.is_active:
            return []
        known = set(super().get_all_scopes())
        return [scope for scope in client.scope_list if scope in known]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A token request without "scope" gets everything the client was granted.
        return self.get_available_scopes(application, request)


class ApiClientValidator(OAuth2Validator):
    """Only active API clients get tokens, and their tokens stop working on deactivation."""

    def authenticate_client(self, request, *args, **kwargs):
        return super().authenticate_client(request, *args, **kwargs) and _is_active(request.client)

    def validate_bearer_token(self, token, scopes, request):
        valid = super().validate_bearer_token(token, scopes, request)
        return valid and _is_active(request.access_token.application)

    def _load_access_token(self, token):
        # the stock look-up, through a short-lived cache honouring revocation
        return access_token_load(token)


def _is_active(application) -> bool:
    client = getattr(application, "api_client", None)
    return client is not None and client.is_active


class HeaderOnlyOAuthLibCore(OAuthLibCore):
    """Verifies an API call's bearer token without reading the request body.

    The stock core hands oauthlib the request's form fields on every call it verifies, and on
    a DRF request ``request.POST`` runs the API's parsers: the JSON body was parsed during
    authentication, before the view, its limits and its error handling (a body nested a
    thousand levels deep raised RecursionError there). Tokens travel only in the
    Authorization header here (COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT), so the body has
    nothing verification needs. The token endpoints still read their form as before.
    """

    def verify_request(self, request, scopes):
        return super().verify_request(_WithoutForm(request), scopes)


class _WithoutForm:
    """The request as token verification sees it: URL and headers, an empty form."""

    def __init__(self, request):
        self._request = request

    @property
    def POST(self):  # Django's name
        return QueryDict()

    def __getattr__(self, name):
        return getattr(self._request, name)
