"""The simulation's clock and dice: the moments to come in time order, each run at its time
in a transaction of its own, and the rates at which the failure paths happen.

``Simulation`` (simulation.py) is this with the people and the beat of the hub
(simulation_ordering.py, simulation_shipping.py, simulation_finance.py, simulation_beat.py):
they schedule each other's actions through ``at`` and ``later``."""

import heapq
import itertools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import time_machine
from django.db import transaction

from ewtp.common.errors import ApplicationError
from hubs.models import Order, Organization, User

from .world import World
from .world_people import DEMO_DOMAIN

logger = logging.getLogger(__name__)

# how often each failure happens (per order, per flight or per payout)
RATES = {
    "unpaid": 0.06,  # the payment never arrives: the order expires
    "cancelled": 0.02,  # the buyer cancels before paying
    "hold": 0.30,  # of declarations waiting for an officer: held first, released later
    "reject": 0.015,  # of those waiting: rejected (counterfeit, misdeclared)
    "heavy": 0.04,  # a parcel weighs well over what was declared
    "flight_cancelled": 0.03,
    "lost": 0.01,
    "dispute": 0.04,  # of business orders delivered
    "payout_rejected": 0.03,
    "confirms": 0.6,  # the buyer confirms receipt rather than letting the window run out
}
# the failure paths of an order that every demo world with enough orders shows at least once
# (a customs hold and rejection, a cancelled flight and a rejected payout happen the first
# time they can)
GUARANTEED = ("unpaid", "cancelled", "heavy", "lost", "dispute")


@dataclass(order=True)
class Moment:
    at: datetime
    seq: int
    action: Callable = None  # type: ignore[assignment]
    args: tuple = ()


class SimulationClock:
    def __init__(self, world: World, *, start: datetime, end: datetime, seed: int = 2017):
        self.world = world
        self.start, self.end = start, end
        # a simulation's dice, seeded so that every demo world is the same: not for secrets
        self.random = random.Random(seed)  # noqa: S311
        self.queue: list[Moment] = []
        self.seq = itertools.count()
        self.now = start
        self.floor_moved = True  # parcels may have become ready to board since the last look
        self.fates: dict[int, set[str]] = {}  # order id → the failure paths it takes
        self.counts: dict[str, int] = dict.fromkeys(RATES, 0)
        self.officers = {
            code: User.objects.get(email=f"customs.{code.lower()}@{DEMO_DOMAIN}")
            for code in world.hubs
        }
        self.operators = {
            code: User.objects.get(email=f"operator.{code.lower()}@{DEMO_DOMAIN}")
            for code in world.hubs
        }
        self.mdec = User.objects.get(email=f"officer@{DEMO_DOMAIN}")

    def at(self, when: datetime, action: Callable, *args) -> None:
        if when <= self.end:
            heapq.heappush(self.queue, Moment(when, next(self.seq), action, args))

    def later(self, hours_from: float, hours_to: float, action: Callable, *args) -> None:
        self.at(
            self.now + timedelta(hours=self.random.uniform(hours_from, hours_to)), action, *args
        )

    def _happen(self, moment: Moment) -> None:
        """One moment's action in a transaction of its own, at its time: the pipeline's steps
        react to what it recorded once it commits."""
        with time_machine.travel(moment.at, tick=False):
            try:
                with transaction.atomic():
                    moment.action(*moment.args)
            except ApplicationError as error:  # the world moved on: a person would too
                logger.info("demo: %s at %s: %s", moment.action.__name__, moment.at, error)
            except Exception:  # a fault in one moment must not leave half a world
                logger.exception("demo: %s at %s failed", moment.action.__name__, moment.at)

    def fate(self, order: Order, path: str) -> bool:
        return path in self.fates.get(order.pk, ())

    def roll(self, path: str, *, first: bool = False) -> bool:
        """Whether ``path`` happens now; ``first``: it does if it has not happened yet (the
        demo shows every failure path at least once)."""
        hit = (first and not self.counts[path]) or self.random.random() < RATES[path]
        self.counts[path] += hit
        return hit


def owner_of(organization: Organization) -> User:
    return organization.memberships.filter(role="owner").select_related("user").first().user
