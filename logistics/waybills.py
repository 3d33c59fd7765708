"""Waybill numbers and their check digits.

Master air waybill (IATA Resolution 600a): the carrier's three-digit prefix, then an
eight-digit serial whose last digit is the remainder of the first seven divided by 7, e.g.
176-12345675 (1234567 mod 7 = 5). House waybill (this hub's own): the origin hub's code,
eight digits of serial, and a Luhn (mod 10) check digit over those eight, e.g. KUL000000018
— the Luhn check catches every single-digit error and most transpositions, which mod 7 does
not.
"""

import re

HOUSE = re.compile(r"^([A-Z]{3})(\d{8})(\d)$", re.ASCII)
MASTER = re.compile(r"^(\d{3})-?(\d{7})(\d)$", re.ASCII)
# How many serials a series has. The services refuse a serial past them before numbering
# (a series that ran out is a refusal the hub acts on); the ValueErrors below are for a
# caller that forgot.
HOUSE_SERIALS = 10**8
MASTER_SERIALS = 10**7


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the rightmost digit before the check digit
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return (10 - total % 10) % 10


def house_waybill(hub_code: str, serial: int) -> str:
    if not 0 < serial < HOUSE_SERIALS:
        raise ValueError("House waybill serials run from 1 to 99,999,999.")
    digits = f"{serial:08d}"
    return f"{hub_code}{digits}{luhn_check_digit(digits)}"


def house_waybill_valid(text: str) -> bool:
    match = HOUSE.match(text.strip().upper())
    return bool(match) and luhn_check_digit(match.group(2)) == int(match.group(3))


def master_waybill(prefix: str, serial: int) -> str:
    """``serial`` is the seven-digit part; the eighth digit is its remainder mod 7."""
    if not (len(prefix) == 3 and prefix.isdigit()) or not 0 <= serial < MASTER_SERIALS:
        raise ValueError("A master waybill is a 3-digit prefix and a 7-digit serial.")
    return f"{prefix}{serial:07d}{serial % 7}"


def master_waybill_valid(text: str) -> bool:
    match = MASTER.match(text.strip())
    return bool(match) and int(match.group(2)) % 7 == int(match.group(3))
