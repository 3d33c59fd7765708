"""The e-road between hub deployments (peering/, docs/eroad-protocol.md).

A deployment that runs every hub in one database (the embedded default, and the demo) has
no peers and sends nothing. One that runs only some hubs names itself here and registers
its peers (other deployments' base URLs and public keys) in the portal.
"""

from datetime import timedelta

from celery.schedules import crontab

from .environment import env

# The id this deployment signs its messages as, and peers address theirs to.
PEERING_DEPLOYMENT = env("PEERING_DEPLOYMENT", default="local")
# The hubs this deployment runs (IATA codes, comma separated); empty: every hub in its
# database (one deployment for the whole network). A hub not named here is run by a peer:
# the journey hands its part to that peer over the e-road instead of acting for it.
EWTP_HUBS_HERE = frozenset(
    code.strip().upper() for code in env.list("EWTP_HUBS_HERE", default=[]) if code.strip()
)
# A signature older or newer than this (the two clocks' difference included) is refused,
# and a nonce is remembered this long (twice: either side of the receiver's clock).
PEERING_MAX_SKEW = timedelta(seconds=env.int("PEERING_MAX_SKEW_SECONDS", default=300))
# One delivery attempt's time limit; then the next waits 2^attempts seconds, at most this.
PEERING_TIMEOUT_SECONDS = env.int("PEERING_TIMEOUT_SECONDS", default=10)
PEERING_RETRY_MAX = timedelta(seconds=env.int("PEERING_RETRY_MAX_SECONDS", default=600))
# A message body larger than this is refused unread.
PEERING_MAX_BODY_BYTES = env.int("PEERING_MAX_BODY_BYTES", default=512 * 1024)

PEERING_BEAT_SCHEDULE = {
    # what a down peer kept waiting goes out when it is back, in order
    "peering-outbox-drain": {
        "task": "peering.tasks.outbound_drain_task",
        "schedule": 30.0,
    },
    "peering-nonces-forget": {
        "task": "peering.tasks.nonces_forget_task",
        "schedule": crontab(minute=17),
    },
}
