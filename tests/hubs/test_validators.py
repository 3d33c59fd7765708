import pytest
from django.core.exceptions import ValidationError

from hubs.validators import (
    account_number_clean,
    bic_clean,
    registration_number_clean,
    uscc_check_character,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("201901012345", "201901012345"),  # 2019, local company
        ("2020 03 123456", "202003123456"),  # business, spaces ignored
        ("1965-01-000123", "196501000123"),
        ("123456-x", "123456-X"),  # old company number with its check letter
        ("LLP0012345-LGN", "LLP0012345-LGN"),
    ],
)
def test_malaysian_registration_numbers(raw, clean):
    assert registration_number_clean("MY", raw) == clean


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("201907012345", "ssm_entity_type"),  # 07 is no entity type
        ("299901012345", "ssm_year"),
        ("20190101234", "ssm_format"),  # 11 digits
        ("ABC", "ssm_format"),
        ("", "required"),
    ],
)
def test_malaysian_registration_numbers_refused(raw, code):
    with pytest.raises(ValidationError) as error:
        registration_number_clean("MY", raw)
    assert error.value.code == code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91330100799655058B", "91330100716105852F"])
def test_chinese_unified_social_credit_codes(code):
    assert registration_number_clean("CN", code.lower()) == code


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("91350100M000100Y44", "uscc_check"),  # wrong check character
        ("91350100M000100Y4", "uscc_format"),  # 17 characters
        ("9135010OM000100Y43", "uscc_format"),  # letter O in the division code
        ("91350100M0001I0Y43", "uscc_format"),  # I is not in the alphabet
    ],
)
def test_chinese_codes_refused(raw, error):
    with pytest.raises(ValidationError) as excinfo:
        registration_number_clean("CN", raw)
    assert excinfo.value.code == error


def test_check_character_is_computed_over_the_first_17():
    assert uscc_check_character("91350100M000100Y4") == "3"


def test_other_countries_take_free_text():
    assert registration_number_clean("SG", " 201912345K ") == "201912345K"


@pytest.mark.parametrize("raw", ["MBBEMYKL", "mbbe my kl", "CIBBMYKLXXX", "BKCHCNBJ110"])
def test_bic_accepted(raw):
    assert bic_clean(raw) in {"MBBEMYKL", "CIBBMYKLXXX", "BKCHCNBJ110"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("MBBEMY", "bic_format"),
        ("MBBEQQKL", "bic_country"),
        ("MBBEMYKLXX", "bic_format"),
        ("1BBEMYKL", "bic_format"),
    ],
)
def test_bic_refused(raw, code):
    with pytest.raises(ValidationError) as error:
        bic_clean(raw)
    assert error.value.code == code


def test_account_numbers():
    assert account_number_clean("5140-1234 5678") == "514012345678"
    with pytest.raises(ValidationError):
        account_number_clean("12")
    with pytest.raises(ValidationError):
        account_number_clean("1234*5678")
