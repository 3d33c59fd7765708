from enum import StrEnum


class DemoErrorCode(StrEnum):
    DEMO_TOOLS_OFF = "demo_tools_off"  # the demo's tools are not on this hub (DEMO_TOOLS)
    NOT_AN_OFFICER = "not_an_officer"  # only officers overseeing the hub use them
    NO_FLIGHT = "no_flight"  # no scheduled flight with room to load the goods on
