"""OAuth2 scopes per API client: a client may only ever get the scopes it was granted; and
the verification of an API call's bearer token."""

import functools

from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import QueryDict
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_backends import OAuthLibCore, get_oauthlib_core
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


class BearerTokenAuthentication(OAuth2Authentication):
    """django-oauth-toolkit's authentication of an API call, with one oauthlib server per
    process instead of one per call.

    The stock class builds the server anew for every call: its seven grant types, the token
    handlers and the validator, which took a tenth of a light call. None of them keeps
    anything of a request (oauthlib carries that on its own Request object, and the
    validator sets nothing on itself), so one serves every call, from any thread. It is
    built again when OAUTH2_PROVIDER changes (a test's override).
    """

    def authenticate(self, request):
        if request is None:
            return None
        try:
            valid, verified = resource_server_core().verify_request(request, scopes=[])
        except ValueError as error:
            # as the stock class: a malformed query string is the caller's fault (400)
            if str(error) == "Invalid hex encoding in query string.":
                raise SuspiciousOperation(error) from None
            raise
        if valid:
            return verified.user, verified.access_token
        request.oauth2_error = getattr(verified, "oauth2_error", {})
        return None


class BearerTokenScheme(DjangoOAuthToolkitScheme):
    """The OpenAPI document describes it as django-oauth-toolkit's (oauth2, its scopes)."""

    target_class = BearerTokenAuthentication


@functools.cache
def resource_server_core() -> OAuthLibCore:
    """The process's OAuthLibCore (OAUTH2_BACKEND_CLASS around OAUTH2_SERVER_CLASS)."""
    return get_oauthlib_core()


@receiver(setting_changed)
def _oauth_settings_changed(setting, **kwargs) -> None:
    if setting == "OAUTH2_PROVIDER":
        resource_server_core.cache_clear()
