"""Who may sign in and how often anyone may try: users, login and lockout, the throttles'
rates, and the security headers of every answer."""

import os
import re
from datetime import timedelta

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ewtp.common.http import proxy_networks

from .environment import env

# --- Users, login, lockout ------------------------------------------------------------------
AUTH_USER_MODEL = "hubs.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Portal sessions expire this many seconds after sign-in (12 h: one working day).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
LOGIN_REDIRECT_URL = "hubs:home"
LOGOUT_REDIRECT_URL = "hubs:landing"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock the pair (account, address): an attacker cannot lock a user out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ... and the account from every address once the failures from all addresses within the
# cool-off reach this, each address counting at most AXES_FAILURE_LIMIT (hubs.lockout).
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=30)
AXES_HANDLER = "hubs.lockout.AccountLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "hubs.authentication.axes_username"
AXES_CLIENT_IP_CALLABLE = "ewtp.common.http.client_network"
# The proxies in front of the hub, as addresses or networks (comma-separated): only a peer in
# them is believed about the client's address (X-Forwarded-For). None here: clients connect
# directly. Production names the proxy's networks (settings/production.py).
TRUSTED_PROXIES = proxy_networks(env.list("TRUSTED_PROXIES", default=[]))
if "TRUSTED_PROXY_COUNT" in os.environ:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is replaced by TRUSTED_PROXIES: the networks of the proxies"
    )
AXES_VERBOSE = False


# --- Throttles (ewtp.common.throttles; README "Throttles") ----------------------------------
def throttle_rate(name: str, default: str) -> str:
    """A rate from the environment ("30/min": a number per s, min, hour or day), checked here
    so that a mistyped one stops the process at start-up instead of failing a request."""
    rate = env.str(name, default=default)
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name}={rate!r}: expected a rate such as 30/min")
    return rate


THROTTLE_RATES = {
    # OAuth token and revoke: every request from one address; refused secrets per client id
    "oauth_token_address": throttle_rate("THROTTLE_OAUTH_TOKEN_ADDRESS", "30/min"),
    "oauth_token_client": throttle_rate("THROTTLE_OAUTH_TOKEN_CLIENT", "10/min"),
    # password reset: links asked for from one address, and for one e-mail address
    "password_reset_address": throttle_rate("THROTTLE_PASSWORD_RESET_ADDRESS", "10/hour"),
    "password_reset_email": throttle_rate("THROTTLE_PASSWORD_RESET_EMAIL", "3/hour"),
    # public tracking: lookups from one address; postcode guesses per parcel
    "tracking_address": throttle_rate("THROTTLE_TRACKING_ADDRESS", "30/min"),
    "tracking_proof": throttle_rate("THROTTLE_TRACKING_PROOF", "10/hour"),
}

# --- Security headers (every environment, so tests see what production sends) --------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
