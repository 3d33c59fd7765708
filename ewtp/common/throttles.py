"""Rate limits for what a stranger may call without an account: the OAuth token endpoint,
password reset and public tracking (README, "Throttles").

DRF's own throttle is reused, for the plain Django views too, so that the hub has one rate
syntax ("30/min"), one store and one Retry-After rule. Its window slides: the times of the
requests counted are kept in the default cache (Redis in production, shared by every worker),
and a caller refused may come back when the oldest of them leaves the window. The count is a
read and a write, not one atomic step: callers racing across workers can get a few requests
past the limit, which bounds a flood just the same.

Each throttle is a scope (its rate in settings.THROTTLE_RATES, read from the environment)
and the key it counts by: an address (ewtp.common.http.client_network), a client id, an
e-mail address, a waybill. Keys are hashed, so the cache holds no personal data.
"""

import hashlib
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import SimpleRateThrottle


class KeyedThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle for one scope and one key named by the caller."""

    def __init__(self, scope: str, key: str):
        self.scope = scope
        self.ident = hashlib.sha256(key.encode()).hexdigest()[:32]
        self.counting = True
        super().__init__()

    def get_rate(self) -> str | None:
        # read on each use, not once at import like DRF's THROTTLE_RATES, so that a changed
        # setting (a test's override) takes effect
        try:
            return settings.THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No rate in THROTTLE_RATES for {self.scope!r}") from None

    def get_cache_key(self, request=None, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}

    def throttle_success(self) -> bool:
        return super().throttle_success() if self.counting else True

    def reached(self) -> bool:
        """Whether the limit is reached, without counting a request: for a throttle that
        counts only failures, look before the attempt and ``count()`` after a failed one."""
        self.counting = False
        try:
            return not self.allow_request(None, None)
        finally:
            self.counting = True

    def count(self) -> None:
        self.allow_request(None, None)

    def retry_after(self) -> int:
        """Whole seconds until the window has room again (after a refusal), at least 1."""
        wait = self.wait()
        return max(1, math.ceil(self.duration if wait is None else wait))


def throttle_check(*throttles: KeyedThrottle) -> int | None:
    """Counts one request under each throttle, as DRF's ``APIView.check_throttles`` does:
    each one sees it, and the answer is the longest wait in whole seconds (for Retry-After)
    among those that refuse it, or None when all allow it."""
    waits = [
        throttle.retry_after() for throttle in throttles if not throttle.allow_request(None, None)
    ]
    return max(waits) if waits else None


def retry_after_minutes(seconds: int) -> int:
    """The wait as told to a person: whole minutes, rounded up."""
    return max(1, math.ceil(seconds / 60))
