"""OAuth2 scopes per API client: a client may only ever get the scopes it was granted."""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes


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


def _is_active(application) -> bool:
    client = getattr(application, "api_client", None)
    return client is not None and client.is_active
