"""The hub's settings with one more URL: a minimal DRF view, the framework's floor that the
API bench measures the hub's endpoints against on the same server (bench/api_throughput.py)."""

from ewtp.settings.local import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
