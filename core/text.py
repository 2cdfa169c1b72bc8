"""Free-text input: names, owners, references.

A value is trimmed and must be 1 to ``max_length`` characters of printable text
as Python's ``str.isprintable`` defines it: no Unicode "Other" characters
(controls such as NUL, format characters such as U+202E RIGHT-TO-LEFT
OVERRIDE or U+200B, surrogates, unassigned code points) and no separators other
than the ASCII space (line and paragraph separators, no-break spaces). Such
characters make stored names display differently from what they are
(Unicode Technical Report #36, "Unicode Security Considerations", §2).
"""

from __future__ import annotations

from core.errors import ValidationFailed


def is_plain_text(value: str) -> bool:
    """Return whether ``value`` holds only printable characters (see module doc)."""
    return value.isprintable()


def plain_text(field: str, raw: str, max_length: int) -> str:
    """Return ``raw`` trimmed, if it is acceptable free text.

    Args:
        field: the input field name reported on error.
        raw: the client's value.
        max_length: the most characters allowed after trimming.

    Raises:
        ValidationFailed: blank, longer than ``max_length``, or holding
            control, format or separator characters.
    """
    text = raw.strip()
    if not text or len(text) > max_length:
        raise ValidationFailed(field, f"must be 1 to {max_length} characters")
    if not is_plain_text(text):
        raise ValidationFailed(field, "must not contain control, format or line-separator characters")
    return text
