"""The error hierarchy of Chronicle (STYLE.md §4).

Errors carry typed attributes so that callers never parse messages. Each error
has a stable ``code`` used by the GraphQL layer (docs/architecture.md §6).
"""

from __future__ import annotations


class ChronicleError(Exception):
    """Base of every error Chronicle raises on purpose."""

    code = "INTERNAL_SERVER_ERROR"


class DomainError(ChronicleError):
    """A command was refused; nothing was appended."""

    code = "DOMAIN_ERROR"


class InvariantViolated(DomainError):
    """A command would break an aggregate invariant."""

    code = "INVARIANT_VIOLATED"


class ValidationFailed(DomainError):
    """A command carries an invalid value.

    Attributes:
        field: the name of the offending input field (GraphQL spelling).
        reason: a human-readable explanation.
    """

    code = "VALIDATION_FAILED"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class AggregateNotFound(DomainError):
    """The stream addressed by a command does not exist."""

    code = "NOT_FOUND"

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"stream {stream_id!r} does not exist")
        self.stream_id = stream_id


class ConcurrencyError(DomainError):
    """The stream's version differs from the expected version of an append.

    Attributes:
        stream_id: the stream appended to.
        expected_version: what the writer expected (an int or a stream state name).
        actual_version: the stream's current version (0 when it does not exist).
    """

    code = "CONCURRENCY_CONFLICT"

    def __init__(self, stream_id: str, expected_version: object, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id!r}: expected version {expected_version}, actual {actual_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class IdempotencyKeyReused(DomainError):
    """An idempotency key was sent again with a different command."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, idempotency_key: str) -> None:
        super().__init__(f"idempotency key {idempotency_key!r} was already used for another command")
        self.idempotency_key = idempotency_key


# --- store ---------------------------------------------------------------------


class StoreError(ChronicleError):
    """The event store failed for a reason that is not the caller's fault."""

    code = "STORE_ERROR"


class StoreUnavailable(StoreError):
    """The store cannot be reached; the operation may be retried later."""

    code = "STORE_UNAVAILABLE"


class CorruptEvent(StoreError):
    """A stored event cannot be decoded."""

    code = "CORRUPT_EVENT"


class UnknownEventType(StoreError):
    """A stored event has a type no code registered."""

    code = "UNKNOWN_EVENT_TYPE"

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class DuplicateEventId(StoreError):
    """An appended event id already exists in another stream, or only some of
    the appended ids exist: the append is neither new nor an idempotent repeat."""

    code = "DUPLICATE_EVENT_ID"

    def __init__(self, stream_id: str, event_id: object) -> None:
        super().__init__(f"event id {event_id} already recorded; append to {stream_id!r} refused")
        self.stream_id = stream_id
        self.event_id = event_id
