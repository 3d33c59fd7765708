"""Check digits of house and master waybills, with known valid and invalid numbers."""

import pytest

from logistics.waybills import (
    house_waybill,
    house_waybill_valid,
    luhn_check_digit,
    master_waybill,
    master_waybill_valid,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("176-12345675", True),  # IATA's example: 1234567 mod 7 = 5
        ("17612345675", True),  # without the hyphen
        ("232-00000011", True),
        ("784-99999992", True),  # 9999999 mod 7 = 2
        ("176-12345676", False),  # wrong check digit
        ("176-12345657", False),  # transposed
        ("17-612345675", False),
        ("ABC-12345675", False),
        ("", False),
    ],
)
def test_master_waybill_check_digit(number, valid):
    assert master_waybill_valid(number) is valid


def test_master_waybill_numbers_carry_the_mod_7_remainder():
    assert master_waybill("176", 1234567) == "17612345675"
    assert master_waybill("784", 9999999) == "78499999992"
    with pytest.raises(ValueError):
        master_waybill("17", 1)


def test_luhn_known_values():
    assert luhn_check_digit("7992739871") == 3  # the textbook 79927398713


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("KUL000000018", True),
        ("kul000000018", True),  # a scanner in lower case
        ("KUL000000017", False),  # one digit off
        ("KUL000000081", False),  # transposed
        ("KUL00000018", False),  # too short
        ("K1L000000018", False),
    ],
)
def test_house_waybill_check_digit(number, valid):
    assert house_waybill_valid(number) is valid


def test_every_single_digit_error_in_a_house_waybill_is_caught():
    good = house_waybill("HGH", 4711)
    for position in range(3, len(good)):
        for digit in "0123456789":
            if digit != good[position]:
                assert not house_waybill_valid(good[:position] + digit + good[position + 1 :])
