"""Validators for what an organisation declares about itself.

Each takes the raw text, returns it normalised, or raises ValidationError with a message a
person can act on. Pure functions: the forms, the API and the import all share them.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_countries import countries

from .errors import HubsErrorCode

# SSM (Companies Commission of Malaysia) registration numbers since 2019: YYYY TT NNNNNN.
# The entity types of the new format (SSM, "New Registration Number Format", 2019).
SSM_ENTITY_TYPES = {
    "01": "Local company (Sdn. Bhd. / Bhd.)",
    "02": "Foreign company",
    "03": "Business (sole proprietorship or partnership)",
    "04": "Local limited liability partnership",
    "05": "Foreign limited liability partnership",
    "06": "Professional limited liability partnership",
}
_SSM_NEW = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{6})$")
# Before 2019: company number with its check letter (123456-X); LLPs as LLP0012345-LGN.
_SSM_OLD_COMPANY = re.compile(r"^[0-9]{1,7}-[A-Z]$")
_SSM_OLD_LLP = re.compile(r"^LLP[0-9]{7}-LG[NB]$")

# China's unified social credit code (GB 32100-2015): 18 characters from this alphabet
# (no I, O, S, V, Z); the last is a check character over the first 17 with these weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(rf"^[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}$")

# ISO 9362 business identifier code: bank (4 letters), country (2), location (2), branch (3).
_BIC = re.compile(r"^([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})([A-Z0-9]{3})?$")
_ACCOUNT_NUMBER = re.compile(r"^[A-Z0-9]{5,34}$")


def registration_number_clean(country: str, raw: str) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    if not value:
        raise ValidationError(
            _("Enter the registration number."), code=HubsErrorCode.REGISTRATION_NUMBER_REQUIRED
        )
    if country == "MY":
        return _ssm_clean(value)
    if country == "CN":
        return _uscc_clean(value)
    if len(value) > 50:
        raise ValidationError(
            _("At most 50 characters."), code=HubsErrorCode.REGISTRATION_NUMBER_TOO_LONG
        )
    return value


def _ssm_clean(value: str) -> str:
    value = value.replace("-", "") if _SSM_NEW.match(value.replace("-", "")) else value
    match = _SSM_NEW.match(value)
    if match:
        year, entity_type, _serial = match.groups()
        if not 1800 <= int(year) <= date.today().year:
            raise ValidationError(
                _("An SSM number starts with the year of registration; %(year)s is not one."),
                code=HubsErrorCode.SSM_YEAR,
                params={"year": year},
            )
        if entity_type not in SSM_ENTITY_TYPES:
            raise ValidationError(
                _("Digits 5–6 of an SSM number are the entity type (01–06); %(type)s is none."),
                code=HubsErrorCode.SSM_ENTITY_TYPE,
                params={"type": entity_type},
            )
        return value
    if _SSM_OLD_COMPANY.match(value) or _SSM_OLD_LLP.match(value):
        return value
    raise ValidationError(
        _(
            "Enter the SSM registration number: 12 digits (e.g. 201901012345) or the old "
            "format (e.g. 123456-X)."
        ),
        code=HubsErrorCode.SSM_FORMAT,
    )


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _uscc_clean(value: str) -> str:
    if len(value) != 18 or not _USCC.match(value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            code=HubsErrorCode.USCC_FORMAT,
        )
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code fails its check character: please re-type it."),
            code=HubsErrorCode.USCC_CHECK,
        )
    return value


def bic_clean(raw: str) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    match = _BIC.match(value)
    if not match:
        raise ValidationError(
            _("A SWIFT/BIC code has 8 or 11 characters, e.g. MBBEMYKL or MBBEMYKLXXX."),
            code=HubsErrorCode.BIC_FORMAT,
        )
    if match.group(2) not in dict(countries):
        raise ValidationError(
            _("Characters 5–6 of a SWIFT/BIC code are a country code; %(code)s is not one."),
            code=HubsErrorCode.BIC_COUNTRY,
            params={"code": match.group(2)},
        )
    return value


def account_number_clean(raw: str) -> str:
    value = re.sub(r"[\s-]+", "", raw or "").upper()
    if not _ACCOUNT_NUMBER.match(value):
        raise ValidationError(
            _("An account number has 5 to 34 letters or digits (spaces and dashes are ignored)."),
            code=HubsErrorCode.ACCOUNT_NUMBER,
        )
    return value


# China's resident identity card number (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2
# check character (0-9 or X). Cross-border e-commerce retail imports are declared under it.
_CN_RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_resident_id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID's first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _CN_ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def cn_resident_id_clean(raw: str) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    if not _CN_RESIDENT_ID.match(value):
        raise ValidationError(
            _("A resident identity card number has 17 digits and a check digit or X."),
            code=HubsErrorCode.CN_ID_FORMAT,
        )
    if cn_resident_id_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This identity card number fails its check digit: please re-type it."),
            code=HubsErrorCode.CN_ID_CHECK,
        )
    return value


# Company-form suffixes written in their common variants (Malaysia, Singapore, Hong Kong,
# China, and the usual English ones), each reduced to one form. Punctuation is gone by the
# time these are matched, so "Sdn. Bhd.", "SDN BHD" and "Sendirian Berhad" are one suffix.
_COMPANY_FORMS = {
    ("sendirian", "berhad"): "sdn bhd",
    ("sdn", "bhd"): "sdn bhd",
    ("berhad",): "bhd",
    ("bhd",): "bhd",
    ("perkongsian", "liabiliti", "terhad"): "plt",
    ("plt",): "plt",
    ("private", "limited"): "pte ltd",
    ("pte", "ltd"): "pte ltd",
    ("pvt", "ltd"): "pte ltd",
    ("company", "limited"): "co ltd",
    ("co", "ltd"): "co ltd",
    ("limited",): "ltd",
    ("ltd",): "ltd",
    ("incorporated",): "inc",
    ("inc",): "inc",
    ("corporation",): "corp",
    ("corp",): "corp",
    ("llc",): "llc",
}
_CJK_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限責任公司", "有限公司")


def _company_name_parts(name: str) -> tuple[str, str]:
    """(the name without its company form, the company form), compared without case,
    spacing or punctuation."""
    text = unicodedata.normalize("NFKC", name or "").casefold().replace("&", " and ")
    text = "".join(" " if unicodedata.category(char)[0] in "PSZC" else char for char in text)
    words = text.split()
    for form, canonical in sorted(_COMPANY_FORMS.items(), key=lambda item: -len(item[0])):
        if len(words) > len(form) and tuple(words[-len(form) :]) == form:
            return "".join(words[: -len(form)]), canonical
    core = "".join(words)
    for form in _CJK_COMPANY_FORMS:
        if core.endswith(form) and len(core) > len(form):
            return core[: -len(form)], form.replace("責", "责")
    return core, ""


def company_names_match(first: str, second: str) -> bool:
    """Whether two spellings name the same company: equal once case, spacing, punctuation
    and the written variant of the company form are set aside ("Batik Nusantara Sdn. Bhd."
    is "BATIK NUSANTARA SENDIRIAN BERHAD"). A bank may leave the form out of an account name,
    so a name without one matches a name with one; two different forms ("Bhd" and "Sdn Bhd")
    are two companies."""
    first_core, first_form = _company_name_parts(first)
    second_core, second_form = _company_name_parts(second)
    if not first_core or first_core != second_core:
        return False
    return first_form == second_form or not first_form or not second_form
