"""Sign-in helpers shared by the login form and the lockout (django-axes)."""


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def axes_username(request, credentials) -> str:
    """Count failures per account, not per spelling: OWNER@x and owner@x are one account."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_email(raw)
