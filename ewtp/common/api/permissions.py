"""API permissions. Object-level rules of each domain live in its app; these are the gates."""

from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.permissions import BasePermission


class HasValidToken(BasePermission):
    """A valid OAuth2 access token of an active API client (any scope)."""

    message = "A valid access token of an active API client is required."

    def has_permission(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "is_valid") or not token.is_valid():
            return False
        client = getattr(token.application, "api_client", None)
        return client is not None and client.is_active


class HasScope(TokenHasScope):
    """The token carries every scope in the view's ``required_scopes``."""

    message = "The access token lacks a scope this endpoint requires."

    def has_permission(self, request, view):
        if not HasValidToken().has_permission(request, view):
            return False
        # the token's scopes, and still granted to the client now
        granted = set(request.auth.application.api_client.scope_list)
        required = set(self.get_scopes(request, view))
        return required <= granted and super().has_permission(request, view)


class HasMethodScope(BasePermission):
    """The token carries the scopes the view requires for this method, and the client is
    still granted them: ``scopes = {"GET": [...], "POST": [...]}`` on the view."""

    message = "The access token lacks a scope this operation requires."
    SAFE_ALIASES = {"HEAD": "GET", "OPTIONS": "GET"}

    def has_permission(self, request, view):
        if not HasValidToken().has_permission(request, view):
            return False
        method = self.SAFE_ALIASES.get(request.method, request.method)
        required = set(view.scopes.get(method, ()))
        if not required:
            return False  # an operation without declared scopes is closed
        granted = set(request.auth.scope.split()) & set(
            request.auth.application.api_client.scope_list
        )
        return required <= granted
