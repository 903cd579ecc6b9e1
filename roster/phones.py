"""Phone numbers: agents type them the Vietnamese way (0912 345 678); we store E.164."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 (+84912345678), or raise ValidationError."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as e:
        raise ValidationError(_("Enter a phone number such as 0912 345 678 or +84912345678.")) from e
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("%(number)s is not a valid phone number.") % {"number": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(raw: str) -> None:
    normalize_phone(raw)
