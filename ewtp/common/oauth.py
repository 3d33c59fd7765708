"""OAuth2 scopes per API client: a client may only ever get the scopes it was granted."""

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
