"""The sign-in lockout: django-axes' database handler with a second, account-wide limit."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class AccountLockoutHandler(AxesDatabaseHandler):
    """Two limits, both over the cool-off (AXES_COOLOFF_TIME) and both refusing the right
    password too:

    - an (account, address) pair is locked after AXES_FAILURE_LIMIT failures (axes itself,
      AXES_LOCKOUT_PARAMETERS): a stranger guessing from one address locks out only himself;
    - the account is locked from every address once its failures from all addresses reach
      AXES_ACCOUNT_FAILURE_LIMIT, each address counting at most AXES_FAILURE_LIMIT (an IPv6
      caller counts by its /64, ewtp.common.http.client_network).

    The trade-off: the pair limit alone lets whoever rotates addresses guess for ever; an
    account limit alone lets anyone lock any user out with a few wrong passwords. With both
    (5 and 30 by default) guessing is held to 30 passwords per account per cool-off, whatever
    the number of addresses, and locking a user out takes failures from at least six
    addresses, kept up for as long as the lock should last; an administrator lifts it in the
    admin (Axes: access attempts)."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures >= limit:
            return failures
        username = get_client_username(request, credentials)
        if username and self.account_failures(request, username, limit) >= (
            settings.AXES_ACCOUNT_FAILURE_LIMIT
        ):
            # axes compares one number with one limit: the account's lock is that limit
            return limit
        return failures

    @staticmethod
    def account_failures(request, username: str, per_address: int) -> int:
        """The account's failures within the cool-off, at most ``per_address`` from each
        address. Enough addresses to reach the account limit are read, no more."""
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        by_address = (
            attempts.order_by()
            .values("ip_address")
            .annotate(failures=Sum("failures_since_start"))
            .values_list("failures", flat=True)
        )
        return sum(
            min(count, per_address) for count in by_address[: settings.AXES_ACCOUNT_FAILURE_LIMIT]
        )
