"""Email addresses and phone numbers: syntax checks and canonical forms.

- Email: syntax per RFC 5321/5322 as checked by ``email-validator``
  (https://github.com/JoshData/python-email-validator) with
  ``check_deliverability=False`` (no DNS: the core performs no I/O). The
  canonical form is the library's normalised address (IDNA/Unicode NFC
  normalisation of the domain) lower-cased as a whole: RFC 5321 §2.4 allows
  case-sensitive local parts, but no mainstream provider uses them, and two
  customers differing only in case would be the same mailbox in practice.
- Phone: parsed with ``phonenumbers`` (Google's libphonenumber metadata) and
  stored in E.164 (ITU-T E.164: ``+`` country code and national number, no
  spaces). A number without ``+`` is read in ``region`` when one is given.
  E.164 has no extensions, so a number with one (``ext 5``, ``x5``) is
  refused rather than stored without it.
"""

from __future__ import annotations

import email_validator
import phonenumbers

from core.customers.errors import InvalidEmail, InvalidPhone

MAX_EMAIL_LENGTH = 254
"""RFC 5321 path limit (with RFC 3696 erratum 1690)."""


def normalise_email(raw: str, field: str = "email") -> str:
    """Return the canonical form of ``raw`` (``Ada@Example.COM`` -> ``ada@example.com``).

    Raises:
        InvalidEmail: not a syntactically valid address.
    """
    text = raw.strip()
    if not text or len(text) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(raw, f"must be 1 to {MAX_EMAIL_LENGTH} characters", field)
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise InvalidEmail(raw, str(error), field) from None
    return str(result.normalized).lower()


def normalise_phone(raw: str, region: str | None = None, field: str = "phone") -> str:
    """Return ``raw`` as an E.164 string (``+44 20 7946 0958`` -> ``+442079460958``).

    Args:
        region: ISO 3166-1 alpha-2 region for numbers without ``+``; ``None``
            requires the ``+`` prefix.

    Raises:
        InvalidPhone: unparseable, no region for a national number, carries
            an extension, or not a valid number of its region.
    """
    text = raw.strip()
    if not text or len(text) > 64:
        raise InvalidPhone(raw, "must be 1 to 64 characters", field)
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            reason = "needs a + country code prefix (no default region is configured)" \
                if not region else "has an unknown country code"
            raise InvalidPhone(raw, reason, field) from None
        raise InvalidPhone(raw, "is not a phone number", field) from None
    if number.extension:
        raise InvalidPhone(raw, "extensions are not supported", field)
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw, "is not a valid number for its region", field)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
